using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>
/// The recorded flows that server replay can answer from, hashed by <see cref="RequestFingerprint"/>
/// for O(1) lookup. Identical requests get the recorded responses one by one in recording order,
/// or the first again and again with <see cref="ServerReplayOptions.Reuse"/>.
/// </summary>
public sealed class ReplayStore
{
    private readonly Lock _gate = new();
    private readonly List<(Flow Flow, string? Mode)> _recorded;

    /// <summary>Flows recorded with an error and no answer (a refused connection, a timeout): never served, but named when a request matches one.</summary>
    private readonly List<Flow> _failed;
    private Dictionary<string, Queue<Flow>> _byKey = [];
    private ServerReplayOptions _options;

    /// <summary>A store of <paramref name="flows"/> to answer from, matched by <paramref name="options"/>.</summary>
    public ReplayStore(IEnumerable<Flow> flows, ServerReplayOptions? options = null, IEnumerable<string?>? modes = null)
    {
        var list = flows.ToList();
        var modeList = modes?.ToList() ?? [];
        // A 101 without its WebSocket conversation (another protocol, relayed raw) has nothing to play after the head.
        _recorded = list.Select((f, i) => (f, i < modeList.Count ? modeList[i] : null)).Where(x => x.f.Response is not null && !(x.f.Response.StatusCode == 101 && x.f.WebSocket is null)).ToList();
        _failed = list.Where(f => f.Response is null && f.Error is not null).ToList();
        _options = options ?? new ServerReplayOptions();
        Rehash();
    }

    /// <summary>How requests are matched to recorded flows; it can be changed while the proxy runs.</summary>
    public ServerReplayOptions Options
    {
        get
        {
            lock (_gate)
            {
                return _options;
            }
        }

        set
        {
            // A changed option changes every key: rehash what is still unserved.
            lock (_gate)
            {
                _options = value;
                Rehash();
            }
        }
    }

    /// <summary>Recorded responses not yet served (all of them with reuse on).</summary>
    public int Remaining
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Values.Sum(q => q.Count);
            }
        }
    }

    /// <summary>The recorded flows, in recording order.</summary>
    public IReadOnlyList<Flow> Recorded => _recorded.Select(r => r.Flow).ToList();

    /// <summary>True when a recorded flow exists for this host and port (so no server connection is needed to serve it).</summary>
    public bool HasHost(string host, int port) =>
        _recorded.Any(r => (Options.IgnoreHost || string.Equals(r.Flow.Request.Host, host, StringComparison.OrdinalIgnoreCase)) && (Options.IgnorePort || r.Flow.Request.Port == port));

    /// <summary>The recorded flow answering <paramref name="request"/>, taking it out unless reuse is on.</summary>
    public bool TryTake(HttpRequest request, out Flow? recorded)
    {
        lock (_gate)
        {
            recorded = null;
            if ((!_byKey.TryGetValue(RequestFingerprint.Of(request, _options).Key, out var queue) || queue.Count == 0) &&
                (!_byKey.TryGetValue(BodyNotKeptKey(request), out queue) || queue.Count == 0))
            {
                return false;
            }

            recorded = _options.Reuse ? queue.Peek() : queue.Dequeue();
            if (!_options.Reuse)
            {
                _served.Add(recorded);
            }

            return true;
        }
    }

    /// <summary>
    /// The recorded gRPC calls (flows with <see cref="Flow.Grpc"/>) that match <paramref name="request"/>
    /// in everything but the messages, not yet served (all of them with reuse on), in recording order:
    /// gRPC replay tells them apart by the client's messages as they arrive.
    /// </summary>
    internal IReadOnlyList<Flow> GrpcCandidates(HttpRequest request)
    {
        lock (_gate)
        {
            var withoutMessages = _options with { IgnoreContent = true };
            var key = RequestFingerprint.Of(request, withoutMessages).Key;
            return _recorded
                .Select(r => r.Flow)
                .Where(f => f.Grpc is not null && (_options.Reuse || !_served.Contains(f)) && RequestFingerprint.Of(f.Request, withoutMessages).Key == key)
                .ToList();
        }
    }

    /// <summary>Takes <paramref name="recorded"/> out of the store (unless reuse is on); false when it was served meanwhile.</summary>
    internal bool TryClaim(Flow recorded)
    {
        lock (_gate)
        {
            if (_options.Reuse)
            {
                return true;
            }

            if (!_served.Add(recorded))
            {
                return false;
            }

            var key = KeyOf(recorded.Request);
            if (_byKey.TryGetValue(key, out var queue))
            {
                _byKey[key] = new Queue<Flow>(queue.Where(f => f != recorded));
            }

            return true;
        }
    }

    private readonly HashSet<Flow> _served = [];

    /// <summary>Recorded flows never served (for "unused interaction" checks).</summary>
    public IReadOnlyList<Flow> Unused()
    {
        lock (_gate)
        {
            return _byKey.Values.SelectMany(q => q).Where(f => !_served.Contains(f)).Distinct().ToList();
        }
    }

    /// <summary>Why <paramref name="request"/> matches nothing: the closest recorded request and what differs.</summary>
    public string Explain(HttpRequest request)
    {
        lock (_gate)
        {
            return NearestMatch.Explain(request, _recorded, _failed, _options, _served);
        }
    }

    private void Rehash()
    {
        var map = new Dictionary<string, Queue<Flow>>(StringComparer.Ordinal);
        foreach (var (flow, _) in _recorded)
        {
            if (_served.Contains(flow))
            {
                continue;
            }

            var key = KeyOf(flow.Request);
            if (!map.TryGetValue(key, out var queue))
            {
                map[key] = queue = new Queue<Flow>();
            }

            queue.Enqueue(flow);
        }

        _byKey = map;
    }

    /// <summary>
    /// A recorded request's key. One whose body was streamed and not kept (<c>"streamed": true</c>)
    /// cannot be compared by body, so it is keyed on everything else, apart from the exact keys: a
    /// recording with the live body wins over one without a body.
    /// </summary>
    private string KeyOf(HttpRequest recorded) =>
        recorded.Body is null ? BodyNotKeptKey(recorded) : RequestFingerprint.Of(recorded, _options).Key;

    private string BodyNotKeptKey(HttpRequest request) =>
        "body not kept:" + RequestFingerprint.Of(request, _options with { IgnoreContent = true }).Key;
}
