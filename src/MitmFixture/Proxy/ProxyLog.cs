using Microsoft.Extensions.Logging;

namespace MitmFixture.Proxy;

/// <summary>The proxy's log messages, source-generated, with stable event ids.</summary>
internal static partial class ProxyLog
{
    /// <summary>The banner; a front end that prints its own leaves it out.</summary>
    public const int ListeningEvent = 1;

    /// <summary>A client's failed TLS handshake: mostly a client that does not trust the CA.</summary>
    public const int ClientTlsFailedEvent = 20;

    /// <summary>A flow that ended in an error; a front end that shows flows shows it there.</summary>
    public const int FlowFailedEvent = 30;

    /// <summary>A flow that got its answer; a front end that shows flows shows it there.</summary>
    public const int FlowDoneEvent = 31;

    [LoggerMessage(EventId = ListeningEvent, Level = LogLevel.Information, Message = "Proxy listening at {Endpoint} in {Mode} mode")]
    public static partial void Listening(ILogger logger, string endpoint, string mode);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Proxy listens on {Host}, beyond loopback, without proxy authentication: anyone who can reach it can use it")]
    public static partial void ListeningBeyondLoopback(ILogger logger, string host);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Client {Client} connected")]
    public static partial void ClientConnected(ILogger logger, string client);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Client {Client} disconnected")]
    public static partial void ClientDisconnected(ILogger logger, string client);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Client {Client} sent a malformed request: {Reason}")]
    public static partial void BadRequest(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "Client {Client} connection ended: {Reason}")]
    public static partial void ClientConnectionEnded(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "Client {Client} connection dropped by an unexpected error (a defect: please report it): {Reason}")]
    public static partial void ClientSessionFailed(ILogger logger, string client, string reason, Exception exception);

    [LoggerMessage(EventId = 36, Level = LogLevel.Information, Message = "An addon's answer to CONNECT {Authority} could not be sent: {Error}")]
    public static partial void ConnectAnswerFailed(ILogger logger, string authority, string error);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information, Message = "Client {Client} still sending after its error answer; closed after {Seconds} s ({Discarded} bytes discarded)")]
    public static partial void LingerTimedOut(ILogger logger, string client, double seconds, long discarded);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "HTTP/2 client connection {Connection}: {Reason}")]
    public static partial void Http2ClientError(ILogger logger, string connection, string reason);

    [LoggerMessage(EventId = 16, Message = "HTTP/2 front (Kestrel): {Message}")]
    public static partial void Http2Front(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Client {Client} opened h2c (HTTP/2 prior knowledge), refused: {Reason}")]
    public static partial void H2cRefused(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information, Message = "Client {Client} asked to upgrade {Url} to h2c, which is not supported: sent as HTTP/1.1 without the upgrade")]
    public static partial void H2cUpgradeRemoved(ILogger logger, string client, string url);

    /// <summary>Its level depends on the cause (<see cref="ClientTlsFailure"/>).</summary>
    [LoggerMessage(EventId = ClientTlsFailedEvent, Message = "Client {Client} TLS handshake for {Host} failed: {Reason}")]
    public static partial void ClientTlsFailed(ILogger logger, LogLevel level, string client, string host, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "Upstream certificate sniffing for {Host}:{Port} failed: {Reason}")]
    public static partial void SniffFailed(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Tunnelling {Host}:{Port} untouched (ignore_hosts)")]
    public static partial void Tunnelling(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Client {Client} sent a bad SOCKS5 handshake: {Reason}")]
    public static partial void BadSocks5(ILogger logger, string client, string reason);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Client {Client} relayed as raw TCP to {Host}:{Port} (SOCKS5; neither TLS nor HTTP)")]
    public static partial void RawTcp(ILogger logger, string client, string host, int port);

    [LoggerMessage(EventId = FlowFailedEvent, Level = LogLevel.Information, Message = "{Method} {Url} failed: {Error}")]
    public static partial void FlowFailed(ILogger logger, string method, string url, string error);

    [LoggerMessage(EventId = FlowDoneEvent, Level = LogLevel.Information, Message = "{Method} {Url} -> {Status}")]
    public static partial void FlowDone(ILogger logger, string method, string url, int status);

    [LoggerMessage(EventId = 32, Level = LogLevel.Information, Message = "Client {Client} disconnected while {Method} {Url} was paused; it will not be sent on")]
    public static partial void ClientLeftWhilePaused(ILogger logger, string client, string method, string url);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Server {Server}: {Description}")]
    public static partial void ServerSurplus(ILogger logger, string server, string description);

    [LoggerMessage(EventId = 34, Level = LogLevel.Information, Message = "Client replay of {Url}, recorded over HTTP/2, went over {Version}: the server chose ALPN {Alpn}, not h2")]
    public static partial void ReplayNotHttp2(ILogger logger, string url, string version, string alpn);

    [LoggerMessage(EventId = 35, Level = LogLevel.Information, Message = "Server {Host}:{Port} speaks only HTTP/2 (it refused ALPN http/1.1 and chose h2): HTTP/1.1 requests to it are translated")]
    public static partial void ServerSpeaksOnlyHttp2(ILogger logger, string host, int port);

    [LoggerMessage(EventId = 40, Level = LogLevel.Debug, Message = "WebSocket {Url} closed: {Reason}")]
    public static partial void WebSocketClosed(ILogger logger, string url, string reason);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information, Message = "WebSocket {Url} protocol violation: {Reason}")]
    public static partial void WebSocketViolation(ILogger logger, string url, string reason);
}
