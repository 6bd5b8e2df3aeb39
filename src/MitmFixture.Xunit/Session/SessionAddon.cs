using System.Runtime.CompilerServices;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// The fixture's switch: gives each flow to the cassette scope whose client sent it, which serves it
/// (replay, through <see cref="ReplaySlot"/>, where server replay goes in the pipeline,
/// <see cref="Proxy.ProxyPipeline"/>), writes it (record: this addon, last) or only watches it
/// (passthrough). One per proxy, shared by every test using that proxy, in parallel too. A flow
/// belongs to a scope by the port its client connected to: each scope listens on a port of its own
/// (<see cref="CassetteScope.ProxyUrl"/>), so its HttpClients and the child processes it starts are
/// told apart without anything added to their requests. A client on the proxy's shared port belongs
/// to the only open scope; while several are open it cannot be attributed, gets a 500 saying why,
/// and every open scope fails with that message; while none is open (but in Passthrough) it is refused too. A request the fixture's own clients refuse (sent
/// with no test's execution context, or by a test whose scope has ended), and one that comes to an
/// ended scope's port, is kept in <see cref="Refused"/> until a scope ends and fails with it
/// (<see cref="TakeRefused"/>), or the fixture does.
/// </summary>
/// <param name="passesThrough">Whether the fixture runs in Passthrough, where a request with no scope open may go on unrecorded.</param>
internal sealed class SessionAddon(Func<bool> passesThrough) : FinishedFlowAddon
{
    private readonly Lock _gate = new();
    private readonly List<CassetteScope> _open = [];
    private readonly Dictionary<int, CassetteScope> _byPort = [];
    private readonly Dictionary<string, CassetteScope> _byTest = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<ClientConnectionInfo, CassetteScope> _connections = [];
    private readonly ConditionalWeakTable<Flow, CassetteScope> _flows = [];
    private readonly Dictionary<string, string> _endedByTest = new(StringComparer.Ordinal);
    private readonly List<string> _refused = []; // the first MaxRefusedKept since the last scope ended; a timer left running could refuse thousands
    private int _refusedCount;
    private const int MaxRefusedKept = 100;

    /// <summary>The scope the proxy's log is written to for work started by a scope's own listener.</summary>
    internal static readonly AsyncLocal<CassetteScope?> LogRoute = new();

    public void Begin(CassetteScope scope)
    {
        lock (_gate)
        {
            _open.Add(scope);
            _byPort[scope.Port] = scope;
            if (scope.OwnerTest is { } test)
            {
                _byTest[test] = scope;
            }
        }
    }

    public void End(CassetteScope scope)
    {
        lock (_gate)
        {
            _open.Remove(scope);
            if (_byPort.TryGetValue(scope.Port, out var byPort) && byPort == scope)
            {
                _byPort.Remove(scope.Port);
            }

            if (scope.OwnerTest is { } test && _byTest.TryGetValue(test, out var byTest) && byTest == scope)
            {
                _byTest.Remove(test);
                _endedByTest[test] = scope.Name;
            }
        }
    }

    /// <summary>The name of the scope a test ended last, to tell a late request from one of a test that never opened a scope.</summary>
    public string? LastEndedScopeOfTest(string? testId)
    {
        lock (_gate)
        {
            return testId is not null && _endedByTest.TryGetValue(testId, out var name) ? name : null;
        }
    }

    /// <summary>
    /// Remembers a request refused because no open scope could take it. Its sender got an error it
    /// may have caught, or its test is over, so the next scope to end fails with it (or the fixture's dispose).
    /// </summary>
    public void Refused(string why)
    {
        lock (_gate)
        {
            _refusedCount++;
            if (_refused.Count < MaxRefusedKept)
            {
                _refused.Add(why);
            }
        }
    }

    /// <summary>The refused requests not yet reported (the first of them, and how many there were), now handed to the caller to fail with.</summary>
    public RefusedRequests TakeRefused()
    {
        lock (_gate)
        {
            var taken = new RefusedRequests(_refused.ToArray(), _refusedCount);
            _refused.Clear();
            _refusedCount = 0;
            return taken;
        }
    }

    /// <summary>The open scope a test opened last, for the fixture's own clients and variables.</summary>
    public CassetteScope? ScopeOfTest(string? testId)
    {
        lock (_gate)
        {
            return testId is not null && _byTest.TryGetValue(testId, out var scope) ? scope : null;
        }
    }

    /// <summary>Writes a log line that came from no scope's listener: to the only open scope, or to all of them, marked.</summary>
    public void LogUnrouted(string line)
    {
        CassetteScope[] open;
        lock (_gate)
        {
            open = [.. _open];
        }

        foreach (var scope in open)
        {
            scope.Log(open.Length == 1 ? line : "(shared port, not attributed) " + line);
        }
    }

    public override ValueTask ClientConnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken)
    {
        // Pinned when the connection starts, while the listener that accepted it is still open (a later scope may get its port).
        if (client.LocalAddress is { } local)
        {
            lock (_gate)
            {
                if (_byPort.TryGetValue(local.Port, out var scope))
                {
                    _connections.AddOrUpdate(client, scope);
                }
            }
        }

        return default;
    }

    /// <summary>Attributes a request to its scope and serves it from that scope's cassette when it replays; refuses what cannot be attributed.</summary>
    public ValueTask ServeAsync(Flow flow, CancellationToken cancellationToken)
    {
        switch (Attribute(flow))
        {
            case { Scope: { } scope }:
                _flows.AddOrUpdate(flow, scope);
                if (!scope.TryStart(flow))
                {
                    var late = scope.EndedMessage(flow);
                    Refused(late); // a connection the test opened before its end, used after it: nothing fails the test any more
                    return Refuse(flow, late);
                }

                return scope.Replay is { } replay ? replay.RequestAsync(flow, cancellationToken) : default;
            case { Unattributed: { } why }:
                return Refuse(flow, why);
            default:
                return default;
        }
    }

    /// <summary>
    /// An HTTP/2 gRPC call in a replaying scope is matched at its headers, so it is played message by
    /// message (a bidirectional call waits for answers before it ends). Only a flow whose scope is
    /// plain is served here; the rest is attributed (or refused) in <see cref="ServeAsync"/>.
    /// </summary>
    public ValueTask ServeHeadersAsync(Flow flow, CancellationToken cancellationToken)
    {
        CassetteScope? scope;
        if (!_connections.TryGetValue(flow.Client, out scope))
        {
            lock (_gate)
            {
                scope = _open.Count == 1 ? _open.First() : null;
            }
        }

        return scope is { Ended: false, Replay: { } replay } ? replay.RequestHeadersAsync(flow, cancellationToken) : default;
    }

    protected override void OnFinished(Flow flow)
    {
        // A flow an earlier addon answered never reached RequestAsync: attributed here, without failing anyone twice.
        var scope = _flows.TryGetValue(flow, out var attributed) ? attributed : Owner(flow);
        scope?.Finished(flow);
    }

    /// <summary>No upstream connection (for certificate sniffing) to hosts a replaying scope answers: replay must not touch the network.</summary>
    public override bool WantsUpstreamFor(string host, int port)
    {
        lock (_gate)
        {
            return !_open.Any(s => s.Replay is { } replay && !replay.WantsUpstreamFor(host, port));
        }
    }

    private CassetteScope? Owner(Flow flow)
    {
        if (_connections.TryGetValue(flow.Client, out var own))
        {
            return own;
        }

        lock (_gate)
        {
            return _open.Count == 1 ? _open[0] : null;
        }
    }

    private (CassetteScope? Scope, string? Unattributed) Attribute(Flow flow)
    {
        if (_connections.TryGetValue(flow.Client, out var own))
        {
            return (own, null);
        }

        string noScope;
        lock (_gate)
        {
            if (_open.Count == 1)
            {
                return (_open[0], null);
            }

            if (_open.Count > 1)
            {
                var why = $"MitmFixture cannot tell which test sent {flow.Request.Method} {flow.Request.Url}: it came to the proxy's shared port " +
                    $"while {_open.Count} cassettes were open ({string.Join(", ", _open.Select(s => s.Name))}). Send each test's requests through " +
                    "its own port: the fixture's CreateClient()/CreateHandler()/EnvironmentVariables/ProxyUrl inside the test after UseCassetteAsync, " +
                    "or the cassette's own CreateClient()/CreateHandler()/EnvironmentVariables/ProxyUrl.";
                foreach (var scope in _open)
                {
                    scope.Unattributed(why);
                }

                return (null, why);
            }

            if (passesThrough())
            {
                return (null, null); // nothing is recorded or replayed: it goes on, as it would without the fixture
            }

            noScope = $"MitmFixture refused {flow.Request.Method} {flow.Request.Url}: it came to the proxy's shared port while no cassette was open, " +
                "so no cassette could record or replay it, and sent on it would reach the network unrecorded (in Replay mode too). " +
                "Open the test's cassette first ('await using var cassette = await fixture.UseCassetteAsync();') and start the client inside it, " +
                "or give it the cassette's own ProxyUrl/EnvironmentVariables.";
        }

        Refused(noScope); // a client that catches the 500, or a test that is over: the next scope to end, or the fixture, fails with it
        return (null, noScope);
    }

    private static ValueTask Refuse(Flow flow, string why)
    {
        flow.Response = HttpResponse.Create(500, why + "\n");
        flow.Response.Headers.Add("X-MitmFixture-Unattributed", "1");
        return default;
    }

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

/// <summary>Requests the fixture refused and has not reported yet: the first <see cref="Kept"/> of them, and how many there were.</summary>
internal readonly record struct RefusedRequests(IReadOnlyList<string> Kept, int Count)
{
    /// <summary>The failure message, saying who reports them and why (<paramref name="reporter"/>); the same reason given twice is shown once.</summary>
    public string Describe(string reporter)
    {
        var distinct = Kept.Distinct().ToArray();
        var notShown = Math.Max(0, distinct.Length - 10) + (Count - Kept.Count); // the same reason again is not counted: the header's total has it
        var shown = distinct.Take(10).Append(notShown > 0 ? $"... and {notShown} more" : null).OfType<string>();
        return $"MitmFixture refused {Count} request(s) that no open cassette could take, and their senders could not be failed for them " +
            $"(the error may have been caught, or the test is over); {reporter}:\n  " + string.Join("\n  ", shown);
    }
}
