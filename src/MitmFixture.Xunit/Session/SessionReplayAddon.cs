using MitmFixture.Flows;

namespace MitmFixture.Xunit.Session;

/// <summary>Serves the running test's cassette in replay mode; between tests, and when recording, it lets requests through.</summary>
internal sealed class SessionReplayAddon(SessionAddon session) : ProxyAddon
{
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) =>
        session.Current?.Replay is { } replay ? replay.RequestAsync(flow, cancellationToken) : default;

    public override bool WantsUpstreamFor(string host, int port) =>
        session.Current?.Replay is not { } replay || replay.WantsUpstreamFor(host, port);
}
