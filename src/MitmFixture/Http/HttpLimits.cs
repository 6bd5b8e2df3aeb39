namespace MitmFixture.Http;

/// <summary>Bounds on what the proxy accepts, with Kestrel's defaults where Kestrel has one.</summary>
public sealed record HttpLimits
{
    /// <summary>Request or response line plus headers, in bytes. Default 32 KiB (Kestrel's MaxRequestHeadersTotalSize).</summary>
    public int MaxHeadBytes { get; init; } = 32 * 1024;

    /// <summary>Header fields in one message. Default 100 (Kestrel's MaxRequestHeaderCount).</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// The largest body the proxy holds in memory. A larger one is refused with 413 (requests) or
    /// 502 (responses) unless streaming applies. Also the largest WebSocket message: a larger one
    /// closes both sides with 1009 (RFC 6455 §7.4.1). Default 256 MiB.
    /// </summary>
    public long MaxBufferedBodyBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>The default of <see cref="MaxDecodedBodyBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxDecodedBodyBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The most a body may expand to when its Content-Encoding is undone (for recording, filters,
    /// modify_body, replay matching, snapshots and the console). Past it the body is kept and
    /// recorded encoded, with a note, and the flow goes on unchanged. Default 64 MiB; <c>decode_limit</c>.
    /// </summary>
    public long MaxDecodedBodyBytes { get; init; } = DefaultMaxDecodedBodyBytes;

    /// <summary>
    /// Time a client has to send a whole request head, counted from its first byte; a total, not a
    /// per-read timeout, so trickling bytes does not extend it. Exceeded gives a 408. Default 30 s
    /// (Kestrel's RequestHeadersTimeout).
    /// </summary>
    public TimeSpan HeadersTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time an idle keep-alive client connection is kept open. Default 130 s (Kestrel's KeepAliveTimeout).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(130);

    /// <summary>
    /// The slowest request body upload accepted; slower gives a 408 and a closed connection. Time the
    /// proxy spends waiting on the server is not counted. Default 240 bytes/s after a 5 s grace period
    /// (Kestrel's MinRequestBodyDataRate); null turns the check off.
    /// </summary>
    public MinDataRate? MinRequestBodyDataRate { get; init; } = MinDataRate.Default;

    /// <summary>
    /// The slowest a client may read a response: each write to the client must finish within the grace
    /// period plus its size at this rate, or the connection is closed. Default 240 bytes/s after a 5 s
    /// grace period (Kestrel's MinResponseDataRate); null turns the check off.
    /// </summary>
    public MinDataRate? MinResponseDataRate { get; init; } = MinDataRate.Default;

    /// <summary>Time to open a TCP connection to a server. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time the server has to start answering and between reads of a body. Default 60 s; exceeded gives a 504.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
