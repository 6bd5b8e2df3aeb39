using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace MitmFixture.Proxy;

/// <summary>One side of a proxied connection: a stream (plain or TLS) with a pipe reader and writer over it.</summary>
internal sealed class DuplexConnection : IAsyncDisposable
{
    // Zero-byte reads wait for data before a buffer is rented, as Kestrel does: an idle keep-alive
    // connection then holds no 16 KiB read buffer (bench/RESULTS.md, "Idle connections").
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4 * 1024, leaveOpen: true);

    public DuplexConnection(Socket? socket, Stream stream)
    {
        Socket = socket;
        Stream = stream;
        Reader = PipeReader.Create(stream, ReaderOptions);
        Writer = PipeWriter.Create(stream, WriterOptions);
    }

    public Socket? Socket { get; }

    public Stream Stream { get; }

    public PipeReader Reader { get; }

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

        await Stream.DisposeAsync();
        Socket?.Dispose();
    }
}
