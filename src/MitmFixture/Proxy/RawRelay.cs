using System.IO.Pipelines;
using System.Net.Sockets;

namespace MitmFixture.Proxy;

/// <summary>Copies bytes both ways between two pipe-wrapped connections until either side ends.</summary>
internal static class RawRelay
{
    public static async Task RunAsync(DuplexConnection a, DuplexConnection b, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forward = CopyAsync(a.Reader, b.Writer, stop);
        var backward = CopyAsync(b.Reader, a.Writer, stop);
        await Task.WhenAny(forward, backward);
        await stop.CancelAsync();
        await Task.WhenAll(forward, backward);
    }

    private static async Task CopyAsync(PipeReader source, PipeWriter destination, CancellationTokenSource stop)
    {
        try
        {
            await source.CopyToAsync(destination, stop.Token);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Either side closing ends the relay.
        }
    }
}
