using System.CommandLine;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Filters;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// <c>mitmfixture dump [FILTER]</c>: mitmdump's job. Run the proxy (or read a cassette with -r) and
/// print one line per flow that matches the filter; -w writes the matching flows to a cassette.
/// </summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var filter = new Argument<string[]>("filter") { Description = "A mitmproxy filter expression choosing the flows shown and written, e.g. '~d example.com & ~c 404'.", Arity = ArgumentArity.ZeroOrMore };
        var read = new Option<string?>("--rfile", "-r") { Description = "Read flows from this cassette instead of running the proxy." };
        var write = new Option<string?>("--wfile", "-w") { Description = "Write the matching flows to this cassette." };
        var detail = new Option<int>("--flow-detail") { Description = "0: nothing per flow, 1: one line (default), 2: plus the connections (addresses, TLS, server certificate) and headers, 3: plus bodies (truncated), 4: plus full bodies.", DefaultValueFactory = _ => 1 };
        var command = new Command("dump", "Run the proxy and print each finished flow, mitmdump-style. Stops on Ctrl+C or SIGTERM.")
        {
            filter, read, write, detail,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            FlowFilter? matcher = null;
            var tokens = parse.GetValue(filter) ?? []; // a word starting with -- was refused as an unknown option (StrayOptions, Program.cs)

            var expression = string.Join(' ', tokens);
            if (expression.Length > 0 && !FlowFilter.TryParse(expression, out matcher, out var error))
            {
                errors.Add($"filter '{expression}': {error.Message}");
            }

            var level = parse.GetValue(detail);
            if (level is < 0 or > 4)
            {
                errors.Add($"--flow-detail {level}: expected 0 to 4");
            }

            var configuration = shared.Build(parse, errors);
            OutputFile.Check(parse.GetValue(write), errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            if (parse.GetValue(read) is { } input)
            {
                return ReadCassette(input, matcher, parse.GetValue(write), level, new Redactor(configuration.Redaction), configuration.Proxy.Limits.MaxDecodedBodyBytes);
            }

            CassetteWriter? writer = null;
            var output = parse.GetValue(write);
            var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts
            {
                Recording = output is null ? null : redactor => new RecordingAddon(writer = CassetteWriter.Create(output, redactor, configuration.Proxy.Mode.ToString(), deferFirstWrite: true), matcher is null ? null : matcher.Matches),
            }, errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            writer?.FlowFailed += (flow, e) => Console.Error.WriteLine($"error: recording {flow.Request.Method} {flow.Request.Url} failed, kept in reduced form: {e.GetType().Name}: {e.Message}");
            var options = configuration.Proxy with { Addons = pipeline.Addons };

            var quiet = parse.GetValue(shared.Quiet) || level == 0;
            // -w writes its file only once the proxy listens: one that cannot start leaves it as it was.
            var code = await ProxyRunner.RunAsync(options, quiet, parse.GetValue(shared.Verbose), "Proxy", cancellationToken, _ =>
            {
                writer?.Begin();
                return null;
            }, flowFilter: matcher, detail: level);
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }

            return code;
        });
        return command;
    }

    private static int ReadCassette(string path, FlowFilter? matcher, string? output, int level, Redactor redactor, long maxDecodedBodyBytes)
    {
        Cassette cassette;
        try
        {
            cassette = Cassette.Load(path, maxDecodedBodyBytes); // bodies shown (and rewritten) within decode_limit, as live ones
        }
        catch (CassetteFormatException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return 2; // a cassette that cannot be read is a usage error, as for every command that reads one
        }

        var selected = cassette.Flows.Where(f => matcher?.Matches(f) ?? true).ToList();
        if (level > 0)
        {
            foreach (var flow in selected)
            {
                Console.WriteLine(FlowDetail.Format(flow, level));
            }
        }

        if (output is not null && !OutputFile.TryWrite(output, () => Cassette.Save(output, selected, redactor)))
        {
            return 1;
        }

        Console.Error.WriteLine($"{selected.Count} of {cassette.Flows.Count} flows matched");
        return 0;
    }
}
