using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Proxy;

/// <summary>An open connection to a server (or to the upstream proxy on its behalf).</summary>
internal sealed class UpstreamConnection(ServerKey key, DuplexConnection connection, X509Certificate2? certificate) : IAsyncDisposable
{
    /// <summary>
    /// A read started when the connection went idle, so bytes the server sends meanwhile are seen
    /// (ClientSession.Surplus.cs). Kept as the reader's own value task, awaited once: as a Task with
    /// a cancellable wait it cost two objects and a registration per request (bench/RESULTS.md, "The floor").
    /// </summary>
    private ValueTask<ReadResult> _idleRead;
    private bool _idleReadPending;

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
    public void WatchWhileIdle()
    {
        if (!_idleReadPending)
        {
#pragma warning disable CA2012 // kept to be awaited exactly once, by ReadAsync or DisposeAsync; IsCompleted before that is allowed
            _idleRead = Connection.Reader is SocketPipeReader socket ? socket.WaitAndReadAsync() : Connection.Reader.ReadAsync();
#pragma warning restore CA2012
            _idleReadPending = true;
        }
    }

    /// <summary>True when the idle read finished: the server sent something, closed, or failed while nobody asked it anything.</summary>
    public bool IdleReadCompleted => _idleReadPending && _idleRead.IsCompleted;

    /// <summary>
    /// The next read of the server's bytes: the idle read when one is pending, else a new one. The
    /// idle read was started without a token, so <paramref name="cancellationToken"/> cancels it
    /// through <see cref="PipeReader.CancelPendingRead"/>, which both readers pass down to the receive.
    /// Once the token fired this throws even if bytes came in, and the reader may still hold a
    /// cancellation: the caller must drop the connection after an <see cref="OperationCanceledException"/>
    /// (every caller does: a timed-out server connection is never reused).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    public async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        if (!_idleReadPending)
        {
            return await Connection.Reader.ReadAsync(cancellationToken);
        }

        _idleReadPending = false;
        var idle = _idleRead;
        _idleRead = default;
        if (idle.IsCompleted)
        {
            return idle.Result;
        }

        ReadResult result;
        using (cancellationToken.UnsafeRegister(static reader => ((PipeReader)reader!).CancelPendingRead(), Connection.Reader))
        {
            result = await idle;
        }

        // Fired while the read was waiting (or just after it ended): the caller's deadline, as a direct read reports it.
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_idleReadPending)
        {
            _idleReadPending = false;
            Connection.Reader.CancelPendingRead(); // also cancels the stream read under it
            try
            {
                await _idleRead;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                // The server is gone; nothing to read any more.
            }
        }

        await Connection.DisposeAsync();
    }
}
