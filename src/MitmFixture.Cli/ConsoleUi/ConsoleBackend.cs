using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Replay;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>What the console drives: the running proxy and the addons it changes while running.</summary>
internal sealed class ConsoleBackend
{
    public required ProxyServer Proxy { get; init; }

    /// <summary>Set with <c>i</c>; pauses matching requests and responses.</summary>
    public required InterceptAddon Intercept { get; init; }

    /// <summary>The replacement patterns (modify_body) edited with <c>o</c> then <c>R</c>.</summary>
    public required ModifyBodyAddon Replacements { get; init; }

    /// <summary>The recorded responses served when the console runs with --server-replay, or null.</summary>
    public ReplayStore? ServerReplay { get; init; }

    public IExternalEditor Editor { get; init; } = new ProcessEditor();

    /// <summary>Names of the features turned on at start (anticache, replay, ...), for the status bar.</summary>
    public IReadOnlyList<string> Features { get; init; } = [];

    /// <summary>Where <c>w</c> offers to save, before the user types another path.</summary>
    public string SavePath { get; init; } = "flows.json";

    /// <summary>What <c>~/</c> in a typed path stands for. Default: the user's home folder.</summary>
    public string HomeDirectory { get; init; } = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>The options the proxy runs with (those edited live included).</summary>
    public ProxyConfiguration Running { get; set; } = new();

    /// <summary>The options as edited on the options screen: where they differ from <see cref="Running"/>, a restart is needed.</summary>
    public ProxyConfiguration Edited { get; set; } = new();

    /// <summary>Applied to flows <c>w</c> saves, as <c>record</c> does.</summary>
    public Redactor Redactor { get; init; } = Redactor.Default;
}
