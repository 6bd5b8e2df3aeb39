using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace MitmFixture.Proxy;

/// <summary>
/// One side of a proxied connection: a pipe reader and writer over either the socket itself (plain
/// TCP, <see cref="SocketPipeReader"/> and <see cref="SocketPipeWriter"/>) or a stream (TLS).
/// </summary>
internal sealed class DuplexConnection : IAsyncDisposable
{
    // Zero-byte reads wait for data before a buffer is rented, as Kestrel does: an idle keep-alive
    // connection then holds no 16 KiB read buffer (bench/RESULTS.md, "Idle connections").
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true);
    // Each flushed segment is one write to the stream: over TLS one record (at most 16 KiB, RFC 8446
    // §5.1) and one send. 4 KiB segments cut a 64 KiB body slice into 16 records and 16 sends;
    // record-sized ones into 4. Segments go back to the pool once flushed, so idle costs nothing.
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 16 * 1024, leaveOpen: true);

    private Stream? _stream;

    /// <summary>Plain TCP: the pipes read and write the socket directly, with no stream between.</summary>
    public DuplexConnection(Socket socket)
    {
        Socket = socket;
        Reader = new SocketPipeReader(socket);
        Writer = new SocketPipeWriter(socket);
    }

    /// <summary>A stream over the socket (TLS, or bytes replayed before the rest).</summary>
    public DuplexConnection(Socket? socket, Stream stream)
    {
        Socket = socket;
        _stream = stream;
        Reader = PipeReader.Create(stream, ReaderOptions);
        Writer = PipeWriter.Create(stream, WriterOptions);
    }

    public Socket? Socket { get; }

    /// <summary>The stream under the pipes; on the socket transport, a stream over the socket made on first use (raw tunnels, TLS after CONNECT).</summary>
    public Stream Stream => _stream ??= StreamOverSocket(Socket!); // the socket constructor always sets Socket

    public PipeReader Reader { get; }

    private static NetworkStream StreamOverSocket(Socket socket)
    {
        socket.Blocking = true; // SocketPipeReader made it non-blocking; NetworkStream refuses such sockets
        return new NetworkStream(socket, ownsSocket: true);
    }

    public PipeWriter Writer { get; }

    /// <summary>
    /// Hands over to a new stream layered on this one (TLS after CONNECT). Bytes the reader had
    /// already buffered are replayed to the new stream first, so an eager client loses nothing.
    /// </summary>
    public async ValueTask<Stream> DetachAsync()
    {
        byte[] pending = [];
        if (Reader.TryRead(out var result))
        {
            pending = result.Buffer.ToArray();
            Reader.AdvanceTo(result.Buffer.End);
        }

        await Reader.CompleteAsync();
        await Writer.CompleteAsync();
        return pending.Length == 0 ? Stream : new PrefixedStream(pending, Stream);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Reader.CompleteAsync();
            await Writer.CompleteAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // The peer is gone; nothing left to flush.
        }

        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        Socket?.Dispose();
    }
}
