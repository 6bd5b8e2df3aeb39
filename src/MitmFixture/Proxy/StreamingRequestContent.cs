using System.Net;

namespace MitmFixture.Proxy;

/// <summary>
/// A request body SocketsHttpHandler pulls while the response comes back: <c>pump</c> copies the
/// client's body to the server's stream as it arrives. Its length is unknown unless set, so h2 sends
/// it as DATA frames and HTTP/1.1 chunked. <see cref="Completion"/> ends when the body is sent or
/// given up (also when the handler never started it); it never faults, <see cref="Failure"/> says why
/// the body was not sent whole.
/// </summary>
internal sealed class StreamingRequestContent(Func<Stream, CancellationToken, Task> pump) : HttpContent
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _completion.Task;

    /// <summary>What stopped the body, when something did: the client's reset, a malformed gRPC body, the server's reset.</summary>
    public Exception? Failure { get; private set; }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await pump(stream, cancellationToken);
            _completion.TrySetResult();
        }
        catch (Exception e)
        {
            Failure = e;
            _completion.TrySetResult();
            throw;
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        _completion.TrySetResult(); // never started (the server could not be reached), or already done
        base.Dispose(disposing);
    }
}
