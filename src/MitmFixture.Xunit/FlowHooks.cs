using MitmFixture.Flows;

namespace MitmFixture.Xunit;

/// <summary>
/// A custom addon from lambdas, the counterpart of a small mitmproxy script: inspect or change
/// flows, answer a request itself (set <c>flow.Response</c>), or mark a body for streaming.
/// <code>new FlowHooks { OnRequest = f => f.Request.Headers.Set("X-Test", "1") }</code>
/// </summary>
public sealed class FlowHooks : ProxyAddon
{
    public Action<Flow>? OnRequestHeaders { get; init; }

    public Action<Flow>? OnRequest { get; init; }

    public Action<Flow>? OnResponseHeaders { get; init; }

    public Action<Flow>? OnResponse { get; init; }

    public Action<Flow, WebSocketMessage>? OnWebSocketMessage { get; init; }

    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) => Run(OnRequestHeaders, flow);

    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => Run(OnRequest, flow);

    public override ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken) => Run(OnResponseHeaders, flow);

    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) => Run(OnResponse, flow);

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
