using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Proxy;

/// <summary>An open connection to a server (or to the upstream proxy on its behalf).</summary>
internal sealed class UpstreamConnection(ServerKey key, DuplexConnection connection, X509Certificate2? certificate) : IAsyncDisposable
{
    /// <summary>A read started when the connection went idle, so bytes the server sends meanwhile are seen (ClientSession.Surplus.cs).</summary>
    private Task<ReadResult>? _idleRead;

    public ServerKey Key { get; } = key;

    public DuplexConnection Connection { get; } = connection;

    /// <summary>The server's certificate, for upstream certificate sniffing.</summary>
    public X509Certificate2? Certificate { get; } = certificate;

    /// <summary>How many requests this connection carried; a reused one may have been closed by the server meanwhile.</summary>
    public int Requests { get; set; }

    /// <summary>
    /// Starts reading while the connection waits for its next request. A pipe read rather than a
    /// socket peek, because TLS may hold decrypted bytes no socket call can see.
    /// </summary>
    public void WatchWhileIdle() => _idleRead ??= Connection.Reader is SocketPipeReader socket ? socket.WaitAndReadAsync().AsTask() : Connection.Reader.ReadAsync().AsTask();

    /// <summary>True when the idle read finished: the server sent something, closed, or failed while nobody asked it anything.</summary>
    public bool IdleReadCompleted => _idleRead is { IsCompleted: true };

    /// <summary>The next read of the server's bytes: the idle read when one is pending, else a new one.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    public async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        if (_idleRead is { } idle)
        {
            _idleRead = null;
            try
            {
                return await idle.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _idleRead = idle; // still pending: DisposeAsync must cancel it before the pipe goes
                throw;
            }
        }

        return await Connection.Reader.ReadAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_idleRead is { } idle)
        {
            _idleRead = null;
            Connection.Reader.CancelPendingRead(); // also cancels the stream read under it
            try
            {
                await idle;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                // The server is gone; nothing to read any more.
            }
        }

        await Connection.DisposeAsync();
    }
}
