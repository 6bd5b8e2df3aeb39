using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>The flows a proxy has seen, in the order they started, bounded by an optional limit.</summary>
public sealed class FlowStore
{
    private readonly LinkedList<Flow> _flows = [];
    private readonly Lock _gate = new();
    private readonly int? _limit;

    internal FlowStore(int? limit) => _limit = limit;

    /// <summary>
    /// Raised when a flow starts and is kept: its request head is read (or a replay began), no hook
    /// has run yet. Raised on the thread serving that connection (or the replay's caller), outside the
    /// store's lock so a handler may call <see cref="Snapshot"/>; it holds up that flow, so return
    /// quickly. Not raised when the limit is 0 (nothing is kept).
    /// </summary>
    public event Action<Flow>? FlowAdded;

    /// <summary>Raised when a flow finished (response sent, error, or WebSocket closed), whether or not the store still keeps it.</summary>
    public event Action<Flow>? FlowCompleted;

    /// <summary>How many flows the store keeps now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _flows.Count;
            }
        }
    }

    /// <summary>A copy of the kept flows, oldest first.</summary>
    public IReadOnlyList<Flow> Snapshot()
    {
        lock (_gate)
        {
            return _flows.ToArray();
        }
    }

    /// <summary>Forgets every kept flow.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _flows.Clear();
        }
    }

    /// <summary>Forgets <paramref name="flow"/>; false when it was not kept.</summary>
    public bool Remove(Flow flow)
    {
        lock (_gate)
        {
            return _flows.Remove(flow);
        }
    }

    internal void Add(Flow flow)
    {
        if (_limit == 0)
        {
            return;
        }

        lock (_gate)
        {
            _flows.AddLast(flow);
            if (_limit is { } limit && _flows.Count > limit)
            {
                _flows.RemoveFirst();
            }
        }

        FlowAdded?.Invoke(flow);
    }

    internal void Complete(Flow flow) => FlowCompleted?.Invoke(flow);
}
