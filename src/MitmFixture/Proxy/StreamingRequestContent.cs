using System.Net;

namespace MitmFixture.Proxy;

/// <summary>
/// A request body SocketsHttpHandler pulls while the response comes back: <c>pump</c> copies the
/// client's body to the server's stream as it arrives. Its length is unknown unless set, so h2 sends
/// it as DATA frames and HTTP/1.1 chunked. <see cref="Completion"/> ends when the body is sent, or
/// faults or cancels with it (also when the handler never started it).
/// </summary>
internal sealed class StreamingRequestContent(Func<Stream, CancellationToken, Task> pump) : HttpContent
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Completion => _completion.Task;

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        try
        {
            await pump(stream, cancellationToken);
            _completion.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            _completion.TrySetCanceled(cancellationToken);
            throw;
        }
        catch (Exception e)
        {
            _completion.TrySetException(e);
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
        _completion.TrySetCanceled(); // never started (the server could not be reached), or already done
        base.Dispose(disposing);
    }
}
