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
    private readonly CancellationTokenSource _exchange;
    private readonly HeadDeadline _headDeadline;

    public Http2Answer(HttpRequestMessage message, HttpResponseMessage answer, HttpResponse head, CancellationTokenSource exchange, HeadDeadline headDeadline)
    {
        _message = message;
        _answer = answer;
        _exchange = exchange;
        _headDeadline = headDeadline;
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
        _headDeadline.Dispose();
        _exchange.Dispose();
    }
}

/// <summary>
/// The response timeout of an HTTP/2 upstream exchange: armed once the request body has been sent,
/// disarmed when the response head arrives, so a server that waits on a streaming client (a gRPC
/// client-streaming call) is not cut off, and one that never answers a complete request is.
/// </summary>
internal sealed class HeadDeadline : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly ITimer _timer;
    private readonly TimeSpan _timeout;
    private readonly Lock _gate = new();
    private bool _done;

    public HeadDeadline(TimeSpan timeout, TimeProvider time)
    {
        _timeout = timeout;
        _timer = time.CreateTimer(static state => ((HeadDeadline)state!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The request body went out: the server's head is due within the timeout.</summary>
    public void RequestSent()
    {
        lock (_gate)
        {
            if (!_done)
            {
                _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>The head arrived: the timeout no longer applies (body reads have their own).</summary>
    public void HeadReceived()
    {
        lock (_gate)
        {
            _done = true;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _done = true;
            _timer.Dispose();
        }

        _cancel.Dispose();
    }

    private void Expire()
    {
        lock (_gate)
        {
            if (_done)
            {
                return;
            }
        }

        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange ended between the check and the cancel: nothing left to time out.
        }
    }
}
