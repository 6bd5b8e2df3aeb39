using System.Net;
using System.Net.Sockets;

namespace MitmFixture.Proxy;

/// <summary>An extra port of a running proxy (<see cref="ProxyServer.AddListener"/>). Dispose it to stop accepting.</summary>
public sealed class ProxyListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop;
    private readonly Task _acceptLoop;
    private readonly Action<ProxyListener> _closed;
    private int _disposed;

    internal ProxyListener(Socket socket, Uri url, CancellationTokenSource stop, Task acceptLoop, Action<ProxyListener> closed)
    {
        Url = url;
        _closed = closed;
        _socket = socket;
        _stop = stop;
        _acceptLoop = acceptLoop;
        Endpoint = (IPEndPoint)socket.LocalEndPoint!; // a bound socket has one
    }

    /// <summary>The address the listener is bound to.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The port the listener is bound to.</summary>
    public int Port => Endpoint.Port;

    /// <summary>This port's address as a proxy URL, with the proxy's scheme (<c>socks5://</c> in SOCKS5 mode).</summary>
    public Uri Url { get; }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        _socket.Dispose();
        await _acceptLoop;
        _stop.Dispose();
        _closed(this);
    }
}
