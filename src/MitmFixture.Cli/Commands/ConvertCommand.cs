using System.CommandLine;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Flows;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture convert IN OUT</c>: cassette to HAR and back, chosen by the file extensions (.har, .json).</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A cassette (.json) or HAR (.har) file." };
        var output = new Argument<string>("output") { Description = "The file to write: .har for HAR 1.2, anything else for a cassette." };
        var command = new Command("convert", "Convert a cassette to HAR 1.2 or a HAR (from a browser's dev tools) to a cassette, redacted by the redact_* options.") { input, output };

        // The file written is redacted as a recording is, by the same options: a cassette recorded with
        // --no-redact-defaults converts with it too, instead of losing its cookies to the defaults.
        var redaction = new ProxyCommandOptions(OptionGroup.Redaction);
        redaction.AddOptionsTo(command);
        command.SetAction(parse =>
        {
            var from = parse.GetValue(input)!;
            var to = parse.GetValue(output)!;
            var errors = new List<string>();
            var redactor = new Redactor(redaction.Build(parse, errors).Redaction);
            IReadOnlyList<Flow> flows = [];
            IReadOnlyList<string?> modes = []; // a cassette's, kept in a cassette it is converted to; a HAR has none
            try
            {
                if (IsHar(from))
                {
                    flows = Har.Import(from, note => Console.Error.WriteLine("note: " + note));
                }
                else
                {
                    var cassette = Cassette.Load(from);
                    (flows, modes) = (cassette.Flows, cassette.Modes);
                }
            }
            catch (CassetteFormatException e)
            {
                errors.Add(e.Message);
            }

            OutputFile.Check(to, errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            if (!OutputFile.TryWrite(to, () => Write(to, flows, modes, redactor)))
            {
                return 1;
            }

            Console.WriteLine($"{flows.Count} flows written to {to}");
            return 0;
        });
        return command;
    }

    private static void Write(string path, IReadOnlyList<Flow> flows, IReadOnlyList<string?> modes, Redactor redactor)
    {
        if (IsHar(path))
        {
            Har.Export(path, flows, redactor);
        }
        else
        {
            Cassette.SaveWithModes(path, flows, modes, redactor);
        }
    }

    private static bool IsHar(string path) => path.EndsWith(".har", StringComparison.OrdinalIgnoreCase);
}
