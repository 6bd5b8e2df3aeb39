using System.Runtime.CompilerServices;

namespace MitmFixture.Flows;

/// <summary>
/// An addon that acts once per flow, when the flow is finished: on its response, on its error, or
/// for a WebSocket when the socket has closed (so the messages are in). Recording and the fixture's
/// session build on it.
/// </summary>
public abstract class FinishedFlowAddon : ProxyAddon
{
    private readonly ConditionalWeakTable<Flow, object> _done = [];

    /// <summary>Called once for each finished flow.</summary>
    protected abstract void OnFinished(Flow flow);

    /// <inheritdoc/>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Response?.StatusCode != 101)
        {
            Finish(flow);
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask ErrorAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.WebSocket is null)
        {
            Finish(flow);
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask WebSocketEndAsync(Flow flow, CancellationToken cancellationToken)
    {
        Finish(flow);
        return default;
    }

    // A flow can fail after its response hook ran (a client gone mid-body): it is still finished once.
    private void Finish(Flow flow)
    {
        if (_done.TryAdd(flow, true))
        {
            OnFinished(flow);
        }
    }
}
