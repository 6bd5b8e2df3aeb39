using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Cli.ConsoleUi.Rendering;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>
/// The console's state machine over a real proxy, driven key by key without a terminal: press keys,
/// then read the frame as plain text (or its styled lines) the way the terminal would show it.
/// </summary>
internal sealed class ConsoleHarness : IAsyncDisposable
{
    private readonly string _directory;

    private readonly ILoggerFactory _logging;

    private ConsoleHarness(ProxyHarness proxy, ConsoleApp app, string directory, ILoggerFactory logging)
    {
        _logging = logging;
        Proxy = proxy;
        App = app;
        _directory = directory;
    }

    public ProxyHarness Proxy { get; }

    public ConsoleApp App { get; }

    public InterceptAddon Intercept => App.Backend.Intercept;

    /// <summary>A scratch folder deleted with the harness (where <c>w</c> saves by default).</summary>
    public string Directory => _directory;

    /// <param name="editor">The shell command the external editor runs with the file as its last argument ("false" refuses every edit).</param>
    /// <param name="serverReplay">Recorded flows served by a server replay addon, as <c>console -S</c> does.</param>
    public static async Task<ConsoleHarness> StartAsync(TestUpstream? upstream = null, string editor = "false", IEnumerable<Flow>? loaded = null, IEnumerable<Flow>? serverReplay = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("mitmfixture-console-").FullName;
        var intercept = new InterceptAddon();
        var replacements = new ModifyBodyAddon([]);
        var events = new EventLog();
        var logging = LoggerFactory.Create(events.AddTo);
        var replay = serverReplay is null ? null : new ServerReplayAddon(new MitmFixture.Replay.ReplayStore(serverReplay));
        var proxy = await ProxyHarness.StartAsync(upstream, o => o with { Addons = replay is null ? [replacements, intercept] : [replay, replacements, intercept], FlowLimit = null, LoggerFactory = logging });
        var backend = new ConsoleBackend
        {
            Proxy = proxy.Proxy,
            Intercept = intercept,
            Replacements = replacements,
            Editor = new ProcessEditor(editor),
            SavePath = Path.Combine(directory, "flows.json"),
            HomeDirectory = directory, // ~/ in a typed path lands here, never in the real home
            Features = ["anticache"],
            ServerReplay = replay?.Store,
        };
        var app = new ConsoleApp(backend, events);
        if (loaded is not null)
        {
            app.Load(loaded);
        }

        return new ConsoleHarness(proxy, app, directory, logging);
    }

    public ConsoleHarness Press(params ConsoleKeyInfo[] keys)
    {
        foreach (var key in keys)
        {
            App.HandleKey(key);
        }

        return this;
    }

    /// <summary>Presses each character as a key: "e" then "m" is <c>Keys("em")</c>.</summary>
    public ConsoleHarness Keys(string characters) => Press([.. MitmFixture.Cli.ConsoleUi.Keys.Type(characters)]);

    public IReadOnlyList<ScreenLine> Lines(int width = 120, int height = 30)
    {
        App.Sync();
        return FrameBuilder.Build(App, width, height);
    }

    /// <summary>The frame as the terminal shows it, without colours, one string per row.</summary>
    public IReadOnlyList<string> Screen(int width = 120, int height = 30) =>
        new SpectreFrame(Spectre.Console.ColorSystemSupport.NoColors).Render(Lines(width, height), width);

    public string ScreenText(int width = 120, int height = 30) => string.Join("\n", Screen(width, height));

    /// <summary>Waits until the proxy shows a flow the condition holds for, then syncs it into the list.</summary>
    public async Task<Flow> WaitForFlowAsync(Func<Flow, bool> condition)
    {
        Flow? found = null;
        await Eventually.TrueAsync(() =>
        {
            App.Sync();
            found = App.Flows.All.FirstOrDefault(condition);
            return found is not null;
        });
        return found!; // Eventually asserted it
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var flow in App.Flows.All.Where(f => f.Intercepted))
        {
            flow.Kill();
        }

        await Proxy.DisposeAsync();
        _logging.Dispose();
        System.IO.Directory.Delete(_directory, recursive: true);
    }
}
