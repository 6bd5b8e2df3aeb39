using MitmFixture.Flows;

namespace MitmFixture.Xunit;

/// <summary>
/// A custom addon from lambdas, the counterpart of a small mitmproxy script: inspect or change
/// flows, answer a request itself (set <c>flow.Response</c>), or mark a body for streaming.
/// <code>new FlowHooks { OnRequest = f => f.Request.Headers.Set("X-Test", "1") }</code>
/// </summary>
public sealed class FlowHooks : ProxyAddon
{
    /// <summary>Runs when a request's head arrived, before its body is read.</summary>
    public Action<Flow>? OnRequestHeaders { get; init; }

    /// <summary>Runs when a request arrived in full, before it is forwarded or replayed.</summary>
    public Action<Flow>? OnRequest { get; init; }

    /// <summary>Runs when a response's head arrived, before its body is read.</summary>
    public Action<Flow>? OnResponseHeaders { get; init; }

    /// <summary>Runs when a response arrived in full, before it is sent to the client.</summary>
    public Action<Flow>? OnResponse { get; init; }

    /// <summary>Runs for each WebSocket message, before it is passed on.</summary>
    public Action<Flow, WebSocketMessage>? OnWebSocketMessage { get; init; }

    /// <inheritdoc/>
    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) => Run(OnRequestHeaders, flow);

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => Run(OnRequest, flow);

    /// <inheritdoc/>
    public override ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken) => Run(OnResponseHeaders, flow);

    /// <inheritdoc/>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) => Run(OnResponse, flow);

    /// <inheritdoc/>
    public override ValueTask WebSocketMessageAsync(Flow flow, WebSocketMessage message, CancellationToken cancellationToken)
    {
        OnWebSocketMessage?.Invoke(flow, message);
        return default;
    }

    private static ValueTask Run(Action<Flow>? hook, Flow flow)
    {
        hook?.Invoke(flow);
        return default;
    }
}
