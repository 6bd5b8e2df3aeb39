using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// The fixture's switch: serves the current cassette (replay), writes to it (record), or only
/// watches (passthrough), and keeps the flows of the current scope. One per proxy; tests that share
/// a proxy run one after another, so the current scope is swapped between them.
/// </summary>
internal sealed class SessionAddon : FinishedFlowAddon
{
    private readonly Lock _gate = new();
    private CassetteScope? _scope;

    public void Begin(CassetteScope scope)
    {
        lock (_gate)
        {
            _scope = scope;
        }
    }

    public void End(CassetteScope scope)
    {
        lock (_gate)
        {
            if (_scope == scope)
            {
                _scope = null;
            }
        }
    }

    private CassetteScope? Current
    {
        get
        {
            lock (_gate)
            {
                return _scope;
            }
        }
    }

    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) =>
        Current?.Replay is { } replay ? replay.RequestAsync(flow, cancellationToken) : default;

    protected override void OnFinished(Flow flow) => Current?.Finished(flow);

    public override bool WantsUpstreamFor(string host, int port) =>
        Current?.Replay is not { } replay || replay.WantsUpstreamFor(host, port);

    internal static ServerReplayAddon ReplayAddonFor(Cassette cassette, FixtureOptions options, Action<Flow, string> unmatched)
    {
        // Replay never touches the network: unmatched requests get a 500 naming the nearest recording, and fail the test.
        var replayOptions = options.Replay with { Extra = Replay.UnmatchedPolicy.ServerError500, KillExtra = false };
        var addon = new ServerReplayAddon(new Replay.ReplayStore(cassette.Flows, replayOptions, cassette.Modes), options.Proxy.TimeProvider, new Redactor(options.Redaction));
        addon.Unmatched += unmatched;
        return addon;
    }
}
