using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// The fixture's switch: writes the current cassette (record) or only watches (passthrough), and
/// keeps the flows of the current scope; its <see cref="ReplaySlot"/> serves the cassette (replay)
/// where server replay goes in the pipeline (<see cref="Proxy.ProxyPipeline"/>), before map_remote
/// and the other rewriting addons, as on the command line. One per proxy; tests that share
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

    /// <summary>The scope of the running test, or null between tests.</summary>
    internal CassetteScope? Current
    {
        get
        {
            lock (_gate)
            {
                return _scope;
            }
        }
    }

    protected override void OnFinished(Flow flow) => Current?.Finished(flow);

    /// <summary>The replay half, for the server-replay place in the pipeline; this addon itself goes last.</summary>
    public ProxyAddon ReplaySlot => _replaySlot ??= new SessionReplayAddon(this);

    private SessionReplayAddon? _replaySlot;

    internal static ServerReplayAddon ReplayAddonFor(Cassette cassette, FixtureOptions options, Action<Flow, string> unmatched)
    {
        // Replay never touches the network: unmatched requests get a 500 naming the nearest recording, and fail the test.
        var replayOptions = options.Replay with { Extra = Replay.UnmatchedPolicy.ServerError500, KillExtra = false };
        var addon = new ServerReplayAddon(new Replay.ReplayStore(cassette.Flows, replayOptions, cassette.Modes), options.Proxy.TimeProvider, new Redactor(options.Redaction));
        addon.Unmatched += unmatched;
        return addon;
    }
}
