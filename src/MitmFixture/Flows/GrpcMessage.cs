namespace MitmFixture.Flows;

/// <summary>
/// One gRPC message of a call, as its length-prefixed frame carried it (gRPC over HTTP/2): the
/// compressed flag and the message bytes (protobuf, or whatever the call's content type says),
/// still compressed when the flag says so. WebSocket messages are the precedent; a gRPC message has
/// a compressed flag where a WebSocket one has a text/binary type, so it is its own type.
/// </summary>
public sealed class GrpcMessage
{
    /// <summary>A message sent by the client when <paramref name="fromClient"/>, else by the server.</summary>
    public GrpcMessage(bool fromClient, bool compressed, byte[] content, DateTimeOffset timestamp)
    {
        FromClient = fromClient;
        Compressed = compressed;
        Content = content;
        Timestamp = timestamp;
    }

    /// <summary>True when the client sent it, false when the server did.</summary>
    public bool FromClient { get; }

    /// <summary>The frame's compressed flag: the bytes are in the call's <c>grpc-encoding</c>.</summary>
    public bool Compressed { get; }

    /// <summary>The message bytes, without the 5-byte prefix.</summary>
    public byte[] Content { get; }

    /// <summary>When the proxy received it.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(FromClient ? "client" : "server")}{(Compressed ? " (compressed)" : "")} {Convert.ToHexString(Content)}";
}

/// <summary>
/// The messages of a gRPC call (content type <c>application/grpc</c> or <c>application/grpc+…</c>),
/// both directions in the order the proxy received them: the interleaving replay follows. The
/// request and response bodies hold the same messages joined; <c>grpc-status</c> and
/// <c>grpc-message</c> are the response's trailers (or headers, for a trailers-only answer).
/// </summary>
public sealed class GrpcData
{
    private readonly List<GrpcMessage> _messages = [];
    private readonly Lock _gate = new();

    /// <summary>The messages so far, both directions, in the order they were received.</summary>
    public IReadOnlyList<GrpcMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToArray();
            }
        }
    }

    /// <summary>Appends <paramref name="message"/> (both directions of a call append concurrently).</summary>
    public void Add(GrpcMessage message)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }
    }
}
