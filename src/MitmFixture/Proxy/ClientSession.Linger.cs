using System.Buffers;
using System.Net.Sockets;

namespace MitmFixture.Proxy;

/// <summary>Closing a client connection after an error answer without resetting it.</summary>
internal sealed partial class ClientSession
{
    /// <summary>How long the proxy reads and discards what a refused client still sends, as Kestrel drains an unread request body for 5 s.</summary>
    internal static readonly TimeSpan LingerTime = TimeSpan.FromSeconds(5);

    /// <summary>Set when an error answer was written: the client may still be sending the request it answers.</summary>
    private bool _lingerOnClose;

    /// <summary>
    /// The HTTP/1.1 request loop, closed gracefully when it ends on an error answer. Closing a socket
    /// with unread bytes makes the kernel send a reset, and a client still sending its request (a
    /// large body refused with 413 from its Content-Length, a 100 KB header line refused with 431)
    /// then fails with "connection reset" instead of reading the answer. So, as nginx's lingering
    /// close does, the proxy sends its FIN and reads and discards what arrives until the client
    /// closes or <see cref="LingerTime"/> passes.
    /// </summary>
    private async Task ServeAsync(DuplexConnection connection, TunnelTarget? tunnel)
    {
        _connection = connection;
        try
        {
            await ServeRequestsAsync(connection, tunnel);
        }
        finally
        {
            if (_lingerOnClose)
            {
                _lingerOnClose = false; // once: a tunnel's loop runs inside the connection's own
                await LingerAsync();
            }
        }
    }

    private async ValueTask LingerAsync()
    {
        if (_socket is not { } socket)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        long discarded = 0;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Shutdown);
        limit.CancelAfter(LingerTime);
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, limit.Token)) > 0)
            {
                discarded += read;
            }
        }
        catch (OperationCanceledException) when (!Shutdown.IsCancellationRequested)
        {
            ProxyLog.LingerTimedOut(_context.Logger, ClientName, LingerTime.TotalSeconds, discarded);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client reset or the proxy is stopping: nothing more to wait for.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
