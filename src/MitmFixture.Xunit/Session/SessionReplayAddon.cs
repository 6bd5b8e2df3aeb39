using MitmFixture.Flows;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// The session at the server-replay place of the pipeline: gives each request to its test's scope,
/// which serves it from the cassette in replay mode and lets it through otherwise.
/// </summary>
internal sealed class SessionReplayAddon(SessionAddon session) : ProxyAddon
{
    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) => session.ServeHeadersAsync(flow, cancellationToken);

    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => session.ServeAsync(flow, cancellationToken);
}
