using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>
/// One HTTP exchange through the proxy: the request, the response or the error that took its place,
/// WebSocket messages when it upgraded, and the markers tools and filters read.
/// </summary>
public sealed class Flow
{
    // Made on first use: most flows are never intercepted and carry no metadata, and a pass-through
    // request should not pay three objects for them (bench/RESULTS.md, "The floor").
    private TaskCompletionSource? _resume;
    private Lock? _gate;
    private ServerConnectionInfo? _server;
    private Dictionary<string, object?>? _metadata;
    private string? _id;

    /// <summary>A flow for <paramref name="request"/>, from <paramref name="client"/> (a client stamped with the request's start time when null).</summary>
    public Flow(HttpRequest request, ClientConnectionInfo? client = null)
    {
        Request = request;
        Client = client ?? new ClientConnectionInfo { TimestampStart = request.TimestampStart ?? DateTimeOffset.UtcNow };
    }

    /// <summary>A unique id for this flow.</summary>
    /// <remarks>Made on first read: a pass-through flow that nothing names never formats one.</remarks>
    public string Id
    {
        get => _id ?? Interlocked.CompareExchange(ref _id, RandomIds.NewGuid().ToString(), null) ?? _id;
        init => _id = value;
    }

    /// <summary>The client side of the flow.</summary>
    public ClientConnectionInfo Client { get; }

    /// <summary>The server side of the flow.</summary>
    public ServerConnectionInfo Server
    {
        get => LazyInitializer.EnsureInitialized(ref _server);
        set => _server = value;
    }

    /// <summary>The request, as addons left it.</summary>
    public HttpRequest Request { get; set; }

    /// <summary>The response, once there is one (from the server, an addon or replay).</summary>
    public HttpResponse? Response { get; set; }

    /// <summary>Why the flow failed, when it did.</summary>
    public FlowError? Error { get; set; }

    /// <summary>Present once the flow upgraded to WebSocket.</summary>
    public WebSocketData? WebSocket { get; set; }

    /// <summary>Present on a gRPC call (content type <c>application/grpc</c>): its messages both ways, in order.</summary>
    public GrpcData? Grpc { get; set; }

    /// <summary>Set by server replay on an HTTP/2 gRPC call it answers: the proxy plays these recordings.</summary>
    internal GrpcPlayback? GrpcPlayback { get; set; }

    /// <summary>Whether the flow was replayed, and from which side.</summary>
    public ReplayKind Replay { get; set; }

    /// <summary>When set on an answered WebSocket upgrade, the proxy plays these recorded messages (server replay).</summary>
    public WebSocketPlayback? WebSocketPlayback { get; set; }

    /// <summary>A marker character or name, empty when unmarked (mitmproxy's <c>flow.marked</c>).</summary>
    public string Marked { get; set; } = "";

    /// <summary>A free-text comment (mitmproxy's <c>comment</c>), kept in the cassette.</summary>
    public string Comment { get; set; } = "";

    /// <summary>Free-form data addons attach to a flow (mitmproxy's <c>flow.metadata</c>).</summary>
    public Dictionary<string, object?> Metadata => LazyInitializer.EnsureInitialized(ref _metadata);

    /// <summary>True when an addon attached metadata; asks without making the dictionary, as readers that only copy or list it should.</summary>
    internal bool HasMetadata => _metadata is { Count: > 0 };

    private Lock Gate => LazyInitializer.EnsureInitialized(ref _gate);

    /// <summary>True while the proxy is still working on the flow.</summary>
    public bool Live { get; set; }

    /// <summary>True once <see cref="Kill"/> was called.</summary>
    public bool Killed { get; private set; }

    /// <summary>True while the flow is held by interception, until it is resumed or killed.</summary>
    public bool Intercepted
    {
        get
        {
            lock (Gate)
            {
                return _resume is not null;
            }
        }
    }

    /// <summary>Pauses the flow after the current hook until <see cref="Resume"/> or <see cref="Kill"/>.</summary>
    public void Intercept()
    {
        lock (Gate)
        {
            _resume ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets an intercepted flow continue.</summary>
    public void Resume()
    {
        TaskCompletionSource? resume;
        lock (Gate)
        {
            resume = _resume;
            _resume = null;
        }

        resume?.TrySetResult();
    }

    /// <summary>Stops the flow: no more forwarding, the client connection is closed.</summary>
    /// <param name="time">The clock that stamps the flow's error; the system clock when null. The engine passes the proxy's injected clock.</param>
    public void Kill(TimeProvider? time = null)
    {
        Killed = true;
        Error ??= new FlowError(FlowError.KilledMessage, (time ?? TimeProvider.System).GetUtcNow());
        Resume();
    }

    /// <summary>Waits while the flow is intercepted; returns at once otherwise.</summary>
    public Task WaitWhileInterceptedAsync(CancellationToken cancellationToken)
    {
        lock (Gate)
        {
            return _resume is null ? Task.CompletedTask : _resume.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Response is not null ? $"{Request} -> {Response.StatusCode}" : Error is not null ? $"{Request} !! {Error}" : Request.ToString();
}
