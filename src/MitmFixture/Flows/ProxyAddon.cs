using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>
/// A feature that takes part in the proxy's work, like a mitmproxy addon. Every hook does nothing
/// unless overridden. Hooks run in addon order; a request hook that sets <see cref="Flow.Response"/>
/// or kills the flow ends the request hooks, and no upstream connection is made.
/// </summary>
public abstract class ProxyAddon
{
    /// <summary>The name shown in logs and the console's status bar.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>A client connected to the proxy.</summary>
    public virtual ValueTask ClientConnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken) => default;

    /// <summary>A client connection closed.</summary>
    public virtual ValueTask ClientDisconnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken) => default;

    /// <summary>
    /// A client asked for a tunnel (CONNECT). Set <see cref="Flow.Response"/> to refuse it (proxy
    /// authentication answers 407 here); the flow is not kept in the flow list, as in mitmproxy.
    /// </summary>
    public virtual ValueTask HttpConnectAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>Request line and headers read; the body is not. Set <see cref="HttpMessage.Stream"/> here to stream it.</summary>
    public virtual ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>The whole request read (its body is null when streamed).</summary>
    public virtual ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>Status line and headers read; the body is not.</summary>
    public virtual ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>The whole response read, before it is sent to the client.</summary>
    public virtual ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>The handshake completed and messages may follow.</summary>
    public virtual ValueTask WebSocketStartAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>A WebSocket message arrived; change or drop it here unless WebSockets are streamed.</summary>
    public virtual ValueTask WebSocketMessageAsync(Flow flow, WebSocketMessage message, CancellationToken cancellationToken) => default;

    /// <summary>A WebSocket connection closed.</summary>
    public virtual ValueTask WebSocketEndAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>The flow failed: see <see cref="Flow.Error"/>.</summary>
    public virtual ValueTask ErrorAsync(Flow flow, CancellationToken cancellationToken) => default;

    /// <summary>
    /// Asked before the proxy dials a server for an intercepted TLS connection to copy its certificate
    /// (upstream certificate sniffing). Return false when this addon will answer the host's requests
    /// itself, so offline replay never touches the network.
    /// </summary>
    public virtual bool WantsUpstreamFor(string host, int port) => true;

    /// <summary>SOCKS5 mode: whether clients must log in with a username and password (RFC 1929). proxyauth says yes.</summary>
    public virtual bool RequiresSocks5Auth => false;

    /// <summary>
    /// SOCKS5 mode: checks the username and password a client sent (mitmproxy's <c>socks5_auth</c> hook);
    /// asked only of addons that require it, and all of them must accept.
    /// </summary>
    public virtual bool Socks5Auth(ClientConnectionInfo client, string username, string password) => false;

    /// <summary>Called once when the proxy stops.</summary>
    public virtual ValueTask DoneAsync() => default;
}
