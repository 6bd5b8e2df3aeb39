using System.CommandLine;
using System.Diagnostics;
using MitmFixture.Cli.Output;
using MitmFixture.Cli.Settings;
using MitmFixture.Report;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture report CASSETTE... -o report.html</c>: the cassettes' flows as one self-contained HTML page.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var cassettes = new Argument<string[]>("cassettes") { Arity = ArgumentArity.OneOrMore, Description = "Cassettes whose flows the report shows, in order." };
        var output = new Option<string>("--output", "-o") { Description = "The HTML file to write.", Required = true };
        var title = new Option<string?>("--title") { Description = "The page's title. Default: the cassettes' file names." };
        var command = new Command("report", "Write a self-contained HTML report of cassettes: a sortable, filterable flow list and a view of each flow.")
        {
            cassettes, output, title,
        };
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var paths = parse.GetValue(cassettes)!;
            var inputs = CassetteInputs.Load(paths, errors);
            OutputFile.Check(parse.GetValue(output), errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            var path = parse.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            if (!OutputFile.TryWrite(path, () => TrafficReport.Write(path, inputs.Flows, parse.GetValue(title) ?? string.Join(", ", paths.Select(Path.GetFileName)))))
            {
                return 1;
            }

            Console.WriteLine($"{path}: {inputs.Flows.Count} flows, {SizeParser.Format(new FileInfo(path).Length)}, written in {clock.ElapsedMilliseconds} ms");
            return 0;
        });
        return command;
    }
}
