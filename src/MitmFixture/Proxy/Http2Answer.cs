using HttpHeaders = MitmFixture.Http.HttpHeaders;
using HttpResponse = MitmFixture.Http.HttpResponse;

namespace MitmFixture.Proxy;

/// <summary>
/// A server's answer on an HTTP/2 upstream exchange once its head is in: the head as a flow
/// response, the body to read (whole or streamed) and the trailers after it. Disposing it ends the
/// exchange; a body not read to its end is then reset towards the server (RST_STREAM CANCEL).
/// </summary>
internal sealed class Http2Answer : IDisposable
{
    private readonly HttpRequestMessage _message;
    private readonly HttpResponseMessage _answer;
    private readonly HeadDeadline _exchange;

    public Http2Answer(HttpRequestMessage message, HttpResponseMessage answer, HttpResponse head, HeadDeadline exchange)
    {
        _message = message;
        _answer = answer;
        _exchange = exchange;
        Head = head;
    }

    /// <summary>Status, version and headers; the flow's response.</summary>
    public HttpResponse Head { get; }

    /// <summary>Cancelled when the caller's token is (client reset, shutdown); ends both directions of the exchange.</summary>
    public CancellationToken Token => _exchange.Token;

    /// <summary>The response body as the server sends it.</summary>
    public Task<Stream> OpenBodyAsync() => _answer.Content.ReadAsStreamAsync(_exchange.Token);

    /// <summary>The server's trailers, once the body was read to its end (lowercase over h2, as on the wire).</summary>
    public HttpHeaders? Trailers => Http2Upstream.ToHeaders(_answer.TrailingHeaders, lowercase: _answer.Version.Major >= 2);

    public void Dispose()
    {
        _answer.Dispose();
        _message.Dispose();
        _exchange.Dispose();
    }
}

/// <summary>
/// One HTTP/2 upstream exchange's token: cancelled by the caller's token, or by the response timeout,
/// which is armed once the request body has been sent and disarmed when the response head arrives, so
/// a server that waits on a streaming client (a gRPC client-streaming call) is not cut off, and one
/// that never answers a complete request is. The timeout is a <see cref="Deadline"/> on the proxy's
/// heartbeat (up to <see cref="DeadlineHeartbeat.Period"/> late, as every engine timeout): a timer and
/// a token source of its own per stream were a measurable share of an h2 request's CPU.
/// </summary>
internal sealed class HeadDeadline : IDisposable
{
    private readonly Deadline _deadline;
    private readonly TimeSpan _timeout;
    private readonly Lock _gate = new();
    private bool _done;

    public HeadDeadline(DeadlineHeartbeat heartbeat, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _timeout = timeout;
        _deadline = new Deadline(heartbeat, cancellationToken);
        Token = _deadline.ArmAt(long.MaxValue); // the token now, the clock once the request is out
    }

    /// <summary>Cancelled by the caller's token, or when the head is late.</summary>
    public CancellationToken Token { get; }

    /// <summary>The request body went out: the server's head is due within the timeout.</summary>
    public void RequestSent()
    {
        lock (_gate)
        {
            if (!_done)
            {
                _deadline.Arm(_timeout);
            }
        }
    }

    /// <summary>The head arrived: the timeout no longer applies (body reads have their own).</summary>
    public void HeadReceived()
    {
        lock (_gate)
        {
            _done = true;
            _deadline.Disarm();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
            _deadline.Dispose();
        }
    }
}
