using System.CommandLine;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture replay CASSETTE...</c>: a server-replay proxy; the cassettes are added to the server_replay option.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var cassettes = new Argument<string[]>("cassette") { Description = "Cassettes to serve from, in order.", Arity = ArgumentArity.OneOrMore };
        var fetch = new Option<string[]>("--fetch") { Description = "Fetch these URLs through the replay proxy, print the answers and exit (a quick look at a cassette)." };
        var command = new Command("replay", "Serve recorded responses (server-side replay); no server is contacted for requests the cassettes answer.")
        {
            cassettes, fetch,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var configuration = shared.Build(parse, errors);
            configuration = configuration with { ServerReplayFiles = [.. parse.GetValue(cassettes)!, .. configuration.ServerReplayFiles] };
            var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts(), errors);
            if (errors.Count > 0 || pipeline.ServerReplay is not { } addon)
            {
                return ProxyCommandOptions.Report(errors);
            }

            addon.Unmatched += (flow, why) => Console.Error.WriteLine($"unmatched: {why}");
            var options = configuration.Proxy with { Addons = pipeline.Addons };
            if (parse.GetValue(fetch) is { Length: > 0 } urls)
            {
                return await FetchThrough.RunAsync(options, urls, cancellationToken);
            }

            return await ProxyRunner.RunAsync(options, parse.GetValue(shared.Quiet), parse.GetValue(shared.Verbose), "Replay proxy", cancellationToken, _ => $"Serving {addon.Store.Remaining} recorded responses");
        });
        return command;
    }
}
