using System.CommandLine;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture convert IN OUT</c>: cassette to HAR and back, chosen by the file extensions (.har, .json).</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A cassette (.json) or HAR (.har) file." };
        var output = new Argument<string>("output") { Description = "The file to write: .har for HAR 1.2, anything else for a cassette." };
        var command = new Command("convert", "Convert a cassette to HAR 1.2 or a HAR (from a browser's dev tools) to a cassette.") { input, output };
        command.SetAction(parse =>
        {
            var from = parse.GetValue(input)!;
            var to = parse.GetValue(output)!;
            try
            {
                IReadOnlyList<Flow> flows = IsHar(from) ? Har.Import(from, note => Console.Error.WriteLine("note: " + note)) : Cassette.Load(from).Flows;
                if (IsHar(to))
                {
                    Har.Export(to, flows);
                }
                else
                {
                    Cassette.Save(to, flows);
                }

                Console.WriteLine($"{flows.Count} flows written to {to}");
                return 0;
            }
            catch (CassetteFormatException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static bool IsHar(string path) => path.EndsWith(".har", StringComparison.OrdinalIgnoreCase);
}
