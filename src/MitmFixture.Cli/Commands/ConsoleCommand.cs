using System.CommandLine;
using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Proxy;

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
        var command = new Command("console", "Interactive console: a full-screen flow list with flow view, filters, interception, editing, replay and saving (mitmproxy's console).")
        {
            read, save, intercept, viewFilter,
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

            var configuration = shared.Build(parse, errors);
            var loaded = CassetteInputs.Load(parse.GetValue(read) ?? [], errors, configuration.Proxy.Limits.MaxDecodedBodyBytes).Flows;
            var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts { Intercept = interceptAddon, EditableModifyBody = true }, errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            if (ConsoleRunner.WhyNoTerminal() is { } why)
            {
                await Console.Error.WriteLineAsync("error: " + why);
                return 1;
            }

            var features = pipeline.Addons.Select(FeatureName).OfType<string>().ToList();
            var events = new EventLog(verbose: parse.GetValue(shared.Verbose));
            using var logging = LoggerFactory.Create(events.AddTo);

            // Interception runs after every addon that changes flows, so the user sees what will be sent (ProxyPipeline).
            var options = configuration.Proxy with { LoggerFactory = logging, FlowLimit = null, Addons = pipeline.Addons };
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
                    Replacements = pipeline.ModifyBody!, // asked for as editable, so always made
                    Features = features,
                    ServerReplay = pipeline.ServerReplay?.Store,
                    Redactor = pipeline.Redactor,
                    Running = configuration,
                    Edited = configuration,
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
                    flow.Kill(options.TimeProvider);
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
