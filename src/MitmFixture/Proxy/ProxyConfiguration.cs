using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Replay;

namespace MitmFixture.Proxy;

/// <summary>
/// Every option a proxy run takes, grouped by the options object that holds it: the value that
/// <see cref="OptionRegistry"/> sets by mitmproxy option name, and that <see cref="ProxyPipeline.Compose"/>
/// turns into a running proxy's addons. The command line builds one from flags, <c>--set</c> and
/// options files; the fixture from its <c>FixtureOptions</c>, which hold the same objects.
/// </summary>
public sealed record ProxyConfiguration
{
    /// <summary>Engine options: listen address, mode, TLS, hosts, streaming, limits. Default <see cref="ProxyOptions"/>' defaults.</summary>
    public ProxyOptions Proxy { get; init; } = new();

    /// <summary>The flow-modifying features (anticache, modify_headers, map_remote, ...). Default: all off.</summary>
    public FeatureOptions Features { get; init; } = new();

    /// <summary>Server replay matching and refresh (mitmproxy's <c>server_replay_*</c>). Default: mitmproxy's defaults.</summary>
    public ServerReplayOptions ServerReplay { get; init; } = new();

    /// <summary>mitmproxy's <c>server_replay</c>: cassettes whose responses answer matching requests. Default none: no server replay.</summary>
    public IReadOnlyList<string> ServerReplayFiles { get; init; } = [];

    /// <summary>What is kept out of cassettes, and redacted from requests before replay matching. Default: the credential headers.</summary>
    public RedactionOptions Redaction { get; init; } = new();

    /// <summary>How the <c>client-replay</c> command sends recorded requests again.</summary>
    public ClientReplayOptions ClientReplay { get; init; } = new();
}
