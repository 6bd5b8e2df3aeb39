using System.CommandLine;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Replay;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture replay CASSETTE...</c>: a server-replay proxy with mitmproxy's --server-replay-* knobs.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var cassettes = new Argument<string[]>("cassette") { Description = "Cassettes to serve from, in order.", Arity = ArgumentArity.OneOrMore };
        var useHeaders = new Option<string[]>("--server-replay-use-headers") { Description = "Headers that must match too (repeatable)." };
        var ignoreContent = new Option<bool>("--server-replay-ignore-content") { Description = "Ignore request bodies when matching." };
        var ignoreParams = new Option<string[]>("--server-replay-ignore-params") { Description = "Query parameters left out of matching (repeatable)." };
        var ignorePayload = new Option<string[]>("--server-replay-ignore-payload-params") { Description = "Form fields left out of matching (repeatable)." };
        var ignoreHost = new Option<bool>("--server-replay-ignore-host") { Description = "Match any host." };
        var ignorePort = new Option<bool>("--server-replay-ignore-port") { Description = "Match any port." };
        var reuse = new Option<bool>("--server-replay-reuse", "--server-replay-nopop") { Description = "Serve a recorded response more than once." };
        var noRefresh = new Option<bool>("--no-server-replay-refresh") { Description = "Do not shift dates and cookie expiry to now." };
        var killExtra = new Option<bool>("--kill-extra", "-k", "--server-replay-kill-extra") { Description = "Kill requests that match no recording." };
        var extra = new Option<string>("--server-replay-extra") { Description = "What unmatched requests get: forward, kill, 204, 400, 404, 500.", DefaultValueFactory = _ => "forward" };
        var fetch = new Option<string[]>("--fetch") { Description = "Fetch these URLs through the replay proxy, print the answers and exit (a quick look at a cassette)." };
        var command = new Command("replay", "Serve recorded responses (server-side replay); no server is contacted for requests the cassettes answer.")
        {
            cassettes, useHeaders, ignoreContent, ignoreParams, ignorePayload, ignoreHost, ignorePort, reuse, noRefresh, killExtra, extra, fetch,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var policy = UnmatchedPolicy.Forward;
            try
            {
                policy = ServerReplayOptions.ParseExtra(parse.GetValue(extra)!);
            }
            catch (FormatException e)
            {
                errors.Add("--server-replay-extra: " + e.Message);
            }

            var inputs = CassetteInputs.Load(parse.GetValue(cassettes)!, errors);
            var options = shared.Build(parse, errors);
            if (options is null)
            {
                return 2;
            }

            var replayOptions = new ServerReplayOptions
            {
                UseHeaders = parse.GetValue(useHeaders) ?? [],
                IgnoreContent = parse.GetValue(ignoreContent),
                IgnoreParams = parse.GetValue(ignoreParams) ?? [],
                IgnorePayloadParams = parse.GetValue(ignorePayload) ?? [],
                IgnoreHost = parse.GetValue(ignoreHost),
                IgnorePort = parse.GetValue(ignorePort),
                Reuse = parse.GetValue(reuse),
                Refresh = !parse.GetValue(noRefresh),
                KillExtra = parse.GetValue(killExtra),
                Extra = policy,
            };
            var store = new ReplayStore(inputs.Flows, replayOptions, inputs.Modes);
            var addon = new ServerReplayAddon(store, options.TimeProvider, Redactor.Default);
            addon.Unmatched += (flow, why) => Console.Error.WriteLine($"unmatched: {why}");
            options = options with { Addons = [addon, .. options.Addons] };
            if (parse.GetValue(fetch) is { Length: > 0 } urls)
            {
                return await FetchThrough.RunAsync(options, urls, cancellationToken);
            }

            return await ProxyRunner.RunAsync(options, parse.GetValue(shared.Quiet), parse.GetValue(shared.Verbose), "Replay proxy", cancellationToken, _ => $"Serving {store.Remaining} recorded responses");
        });
        return command;
    }
}
