using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>
/// One HTTP exchange through the proxy: the request, the response or the error that took its place,
/// WebSocket messages when it upgraded, and the markers tools and filters read.
/// </summary>
public sealed class Flow
{
    private TaskCompletionSource? _resume;
    private readonly Lock _gate = new();

    public Flow(HttpRequest request, ClientConnectionInfo? client = null)
    {
        Request = request;
        Client = client ?? new ClientConnectionInfo { TimestampStart = request.TimestampStart ?? DateTimeOffset.UtcNow };
    }

    public string Id { get; init; } = Guid.NewGuid().ToString();

    public ClientConnectionInfo Client { get; }

    public ServerConnectionInfo Server { get; set; } = new();

    public HttpRequest Request { get; set; }

    public HttpResponse? Response { get; set; }

    public FlowError? Error { get; set; }

    /// <summary>Present once the flow upgraded to WebSocket.</summary>
    public WebSocketData? WebSocket { get; set; }

    public ReplayKind Replay { get; set; }

    /// <summary>When set on an answered WebSocket upgrade, the proxy plays these recorded messages (server replay).</summary>
    public WebSocketPlayback? WebSocketPlayback { get; set; }

    /// <summary>A marker character or name, empty when unmarked (mitmproxy's <c>flow.marked</c>).</summary>
    public string Marked { get; set; } = "";

    public string Comment { get; set; } = "";

    /// <summary>Free-form data addons attach to a flow (mitmproxy's <c>flow.metadata</c>).</summary>
    public Dictionary<string, object?> Metadata { get; } = [];

    /// <summary>True while the proxy is still working on the flow.</summary>
    public bool Live { get; set; }

    public bool Killed { get; private set; }

    public bool Intercepted
    {
        get
        {
            lock (_gate)
            {
                return _resume is not null;
            }
        }
    }

    /// <summary>Pauses the flow after the current hook until <see cref="Resume"/> or <see cref="Kill"/>.</summary>
    public void Intercept()
    {
        lock (_gate)
        {
            _resume ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets an intercepted flow continue.</summary>
    public void Resume()
    {
        TaskCompletionSource? resume;
        lock (_gate)
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
        lock (_gate)
        {
            return _resume is null ? Task.CompletedTask : _resume.Task.WaitAsync(cancellationToken);
        }
    }

    public override string ToString() =>
        Response is not null ? $"{Request} -> {Response.StatusCode}" : Error is not null ? $"{Request} !! {Error}" : Request.ToString();
}
