using System.CommandLine;
using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Replay;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// <c>mitmfixture console</c>: mitmproxy's interactive console. Runs the proxy with the same mode
/// and feature flags as <c>record</c>, keeps every flow in memory and lets the user look at, filter,
/// intercept, edit, replay and save them.
/// </summary>
internal static class ConsoleCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var read = new Option<string[]>("--rfile", "-r") { Description = "Open these cassettes into the flow list (repeatable)." };
        var save = new Option<string>("--wfile", "-w") { Description = "The file 'w' offers to save to.", DefaultValueFactory = _ => "flows.json" };
        var intercept = new Option<string?>("--intercept", "-i") { Description = "Start with this interception filter (e.g. ~q pauses every request)." };
        var viewFilter = new Option<string?>("--view-filter") { Description = "Start with this view filter." };
        var serverReplay = new Option<string[]>("--server-replay", "-S") { Description = "Answer matching requests from these cassettes (server-side replay, as 'replay' does; repeatable)." };
        var reuse = new Option<bool>("--server-replay-reuse", "--server-replay-nopop") { Description = "Serve a recorded response more than once." };
        var command = new Command("console", "Interactive console: a full-screen flow list with flow view, filters, interception, editing, replay and saving (mitmproxy's console).")
        {
            read, save, intercept, viewFilter, serverReplay, reuse,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var interceptAddon = new InterceptAddon();
            if (!interceptAddon.TrySetFilter(parse.GetValue(intercept), out var interceptError))
            {
                errors.Add($"--intercept: {interceptError}");
            }

            Filters.FlowFilter? view = null;
            if (parse.GetValue(viewFilter) is { Length: > 0 } viewText && !Filters.FlowFilter.TryParse(viewText, out view, out var viewError))
            {
                errors.Add($"--view-filter '{viewText}': {viewError.Message}");
            }

            var loaded = CassetteInputs.Load(parse.GetValue(read) ?? [], errors).Flows;
            var replayInputs = CassetteInputs.Load(parse.GetValue(serverReplay) ?? [], errors);
            var options = shared.Build(parse, errors);
            if (options is null)
            {
                return 2;
            }

            ReplayStore? store = null;
            if (parse.GetValue(serverReplay) is { Length: > 0 })
            {
                store = new ReplayStore(replayInputs.Flows, new ServerReplayOptions { Reuse = parse.GetValue(reuse) }, replayInputs.Modes);
                options = options with { Addons = [new ServerReplayAddon(store, options.TimeProvider, Redactor.Default), .. options.Addons] };
            }

            if (ConsoleRunner.WhyNoTerminal() is { } why)
            {
                await Console.Error.WriteLineAsync("error: " + why);
                return 1;
            }

            var replacements = options.Addons.OfType<ModifyBodyAddon>().FirstOrDefault() ?? new ModifyBodyAddon([]);
            var features = options.Addons.Select(FeatureName).OfType<string>().ToList();
            var addons = options.Addons.Contains(replacements) ? options.Addons : [.. options.Addons, replacements];
            var events = new EventLog(verbose: parse.GetValue(shared.Verbose));
            using var logging = LoggerFactory.Create(events.AddTo);

            // Interception runs last so the user sees what every other addon did (as in mitmproxy's console).
            options = options with { LoggerFactory = logging, FlowLimit = null, Addons = [.. addons, interceptAddon] };
            if (await ProxyRunner.TryStartAsync(options) is not { } proxy)
            {
                return 1;
            }

            await using (proxy)
            {
                var backend = new ConsoleBackend
                {
                    Proxy = proxy,
                    Intercept = interceptAddon,
                    Replacements = replacements,
                    Features = features,
                    ServerReplay = store,
                    SavePath = parse.GetValue(save)!,
                };
                var app = new ConsoleApp(backend, events);
                app.Load(loaded);
                app.Flows.SetFilter(view);
                events.Info($"Listening at {proxy.Url} ({options.Mode}); {loaded.Count} flows loaded");
                await new ConsoleRunner(app).RunAsync(cancellationToken);

                // Paused clients would otherwise wait for the proxy's shutdown timeout.
                foreach (var flow in proxy.Flows.Snapshot().Where(f => f.Intercepted))
                {
                    flow.Kill();
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The mitmproxy option name of a feature addon, for the status bar.</summary>
    private static string? FeatureName(ProxyAddon addon) => addon switch
    {
        AnticacheAddon => "anticache",
        AnticompAddon => "anticomp",
        ProxyAuthAddon => "proxyauth",
        ModifyHeadersAddon => "modify_headers",
        MapRemoteAddon => "map_remote",
        StickyCookieAddon => "stickycookie",
        StickyAuthAddon => "stickyauth",
        _ => null,
    };
}
