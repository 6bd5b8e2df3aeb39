using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace MitmFixture.Proxy;

/// <summary>
/// Kestrel's transport for HTTP/2 towards clients: no socket, only connections the proxy hands over
/// after it has completed TLS itself (ALPN chose h2), or cleartext ones that opened with the h2c
/// preface. Kestrel then runs its HTTP/2 connection on the decrypted stream exactly as on a socket
/// (prior knowledge, RFC 9113 §3.3).
/// </summary>
internal sealed class Http2Transport : IConnectionListenerFactory, IConnectionListener
{
    private readonly Channel<ConnectionContext> _pending = Channel.CreateUnbounded<ConnectionContext>();
    private EndPoint _endPoint = new IPEndPoint(IPAddress.Loopback, 0);

    public EndPoint EndPoint => _endPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        _endPoint = endpoint;
        return ValueTask.FromResult<IConnectionListener>(this);
    }

    /// <summary>Hands a decrypted stream to Kestrel; completes when Kestrel is done with the connection.</summary>
    public async Task ServeAsync(string connectionId, Stream stream, EndPoint? remote, EndPoint? local, CancellationToken cancellationToken)
    {
#pragma warning disable CA2000 // Kestrel owns the connection once accepted and disposes it; its disposal is what Closed waits for
        var connection = new StreamConnection(connectionId, stream, remote, local);
#pragma warning restore CA2000
        await _pending.Writer.WriteAsync(connection, cancellationToken);
        using var abort = cancellationToken.Register(() => connection.Abort(new ConnectionAbortedException("proxy shut down")));
        await connection.Closed;
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _pending.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null; // unbound: Kestrel stops accepting
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _pending.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    /// <summary>One client connection as Kestrel sees it: pipes over the proxy's decrypted stream.</summary>
    private sealed class StreamConnection : ConnectionContext, IConnectionLifetimeFeature
    {
        private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource _closing = new();
        private int _disposed;

        public StreamConnection(string id, Stream stream, EndPoint? remote, EndPoint? local)
        {
            ConnectionId = id;
            RemoteEndPoint = remote;
            LocalEndPoint = local;
            Transport = new StreamPipe(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
            Features.Set<IConnectionLifetimeFeature>(this);
            ConnectionClosed = _closing.Token;
        }

        public Task Closed => _closed.Task;

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            // Cancels Kestrel's pending read (and the stream read under it); the session disposes the stream once Kestrel is done.
            Transport.Input.CancelPendingRead();
            try
            {
                _closing.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Kestrel already disposed the connection: nothing left to signal.
            }
        }

        public override async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                await base.DisposeAsync();
                return;
            }

            await Transport.Input.CompleteAsync();
            await Transport.Output.CompleteAsync();
            await base.DisposeAsync();
            _closing.Dispose();
            _closed.TrySetResult();
        }
    }

    private sealed record StreamPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
