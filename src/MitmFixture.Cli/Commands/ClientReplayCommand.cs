using System.CommandLine;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Proxy;
using MitmFixture.Replay;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture client-replay CASSETTE</c>: send the recorded requests again, one by one.</summary>
internal static class ClientReplayCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions(OptionGroup.Proxy, OptionGroup.Features, OptionGroup.ServerReplay, OptionGroup.Redaction, OptionGroup.ClientReplay);
        var cassette = new Argument<string>("cassette") { Description = "The cassette whose requests are sent again." };
        var output = new Option<string?>("--output", "-o") { Description = "Write the new flows to this cassette." };
        var command = new Command("client-replay", "Replay a cassette's requests to their servers, one at a time, and report each result.")
        {
            cassette, output,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var configuration = shared.Build(parse, errors);
            Cassette? recorded = null;
            try
            {
                recorded = ClientReplayer.Load(parse.GetValue(cassette)!, configuration.Proxy.Limits.MaxDecodedBodyBytes); // within decode_limit, as live bodies; refuses what must not be sent again
            }
            catch (CassetteFormatException e)
            {
                errors.Add(e.Message);
            }

            OutputFile.Check(parse.GetValue(output), errors); // before a request is sent, not after the replay
            var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts(), errors);
            if (errors.Count > 0 || recorded is null)
            {
                return ProxyCommandOptions.Report(errors);
            }

            var options = configuration.Proxy with { Addons = pipeline.Addons };
            var stopOnError = configuration.ClientReplay.StopOnError;

            // Nothing listens for clients here: the proxy only lends its addons and server connections.
            if (await ProxyRunner.TryStartAsync(options with { ListenPort = 0, ListenHost = "127.0.0.1" }) is not { } started)
            {
                return 1;
            }

            await using var proxy = started;
            var quiet = parse.GetValue(shared.Quiet);
            ClientReplayResult result;
            if (!quiet && !Console.IsOutputRedirected)
            {
                // On a terminal: a progress bar, with each finished flow printed above it.
                result = await Spectre.Console.AnsiConsole.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask("client replay", maxValue: recorded.Flows.Count);
                    var bar = new InlineProgress<ClientReplayProgress>(p =>
                    {
                        Spectre.Console.AnsiConsole.MarkupLineInterpolated($"[grey][[{p.Done}/{p.Total}]][/] {FlowLine.Format(p.Latest)}");
                        task.Increment(1);
                    });
                    return await ClientReplayer.RunAsync(recorded.Flows, proxy.ReplayAsync, bar, stopOnError, cancellationToken);
                });
            }
            else
            {
                var lines = new InlineProgress<ClientReplayProgress>(p =>
                {
                    if (!quiet)
                    {
                        Console.WriteLine($"[{p.Done}/{p.Total}] {FlowLine.Format(p.Latest)}");
                    }
                });
                result = await ClientReplayer.RunAsync(recorded.Flows, proxy.ReplayAsync, lines, stopOnError, cancellationToken);
            }

            if (parse.GetValue(output) is { } path && !OutputFile.TryWrite(path, () => Cassette.Save(path, result.Flows, pipeline.Redactor)))
            {
                return 1;
            }

            Console.WriteLine($"{result.Flows.Count - result.Failed} of {recorded.Flows.Count} requests answered, {result.Failed} failed{(result.Stopped ? ", stopped at the first error" : "")}");
            return result.Failed == 0 ? 0 : 1;
        });
        return command;
    }
}
