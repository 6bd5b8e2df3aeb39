using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MitmFixture.Proxy;

/// <summary>
/// A pipe writer that sends straight to a socket when flushed. What is written between two flushes
/// is kept in one pooled array up to <see cref="GatherLimit"/>, so a response head and a body that
/// fits go out in one send (one syscall, one TCP segment on loopback); past that, full arrays are
/// queued and sent in order. Nothing is held between flushes, so an idle connection keeps no write
/// buffer. As with <see cref="PipeWriter.Create(Stream, StreamPipeWriterOptions?)"/>'s writer,
/// <see cref="FlushAsync"/> ends when the socket took the bytes, which is what the minimum response
/// data rate times, and <see cref="CompleteAsync"/> flushes what is left.
/// </summary>
#pragma warning disable CA1001 // the cancellation source has no timer, so it holds nothing to release; disposing it would race CancelPending* from another thread
internal sealed class SocketPipeWriter(Socket socket) : PipeWriter
#pragma warning restore CA1001
{
    private const int MinimumBufferSize = 4 * 1024;
    private const int GatherLimit = 64 * 1024;

    private readonly List<(byte[] Array, int Length)> _full = [];
    private byte[]? _buffer;
    private int _written;
    private long _queued;
    private bool _completed;
    private bool _sending;
    private volatile bool _cancelRequested;
    private CancellationTokenSource? _cancelSource;

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _queued + _written;

    public override void Advance(int bytes)
    {
        if (bytes < 0 || _buffer is null && bytes > 0 || _buffer is not null && _written + bytes > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory this writer handed out.");
        }

        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).Span;

    public override void CancelPendingFlush()
    {
        _cancelRequested = true;
        _cancelSource?.Cancel();
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        if (_cancelRequested)
        {
            _cancelRequested = false;
            return ValueTask.FromResult(new FlushResult(isCanceled: true, isCompleted: false));
        }

        return _written == 0 && _full.Count == 0 ? ValueTask.FromResult(default(FlushResult)) : SendAsync(cancellationToken);
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        try
        {
            if (exception is null)
            {
                await FlushAsync();
            }
        }
        finally
        {
            Complete(exception);
        }
    }

    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (!_sending)
        {
            // A send in progress still reads the buffers; it returns them when it ends.
            ReturnBuffers();
        }
    }

    private Memory<byte> Reserve(int sizeHint)
    {
        ThrowIfCompleted();
        var wanted = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(wanted, MinimumBufferSize));
        }
        else if (_buffer.Length - _written < wanted)
        {
            if (_written + wanted <= GatherLimit)
            {
                // Grow, so head and body stay one array and one send.
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + wanted));
                Buffer.BlockCopy(_buffer, 0, bigger, 0, _written);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            else
            {
                _full.Add((_buffer, _written));
                _queued += _written;
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(wanted, MinimumBufferSize));
                _written = 0;
            }
        }

        return _buffer.AsMemory(_written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendAsync(CancellationToken cancellationToken)
    {
        if (_cancelSource is null || _cancelSource.IsCancellationRequested)
        {
            // Not disposed: CancelPendingFlush may still hold the old one, and a source without a timer needs no disposal.
            _cancelSource = new CancellationTokenSource();
        }

        var source = _cancelSource;
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source)
            : default;
        _sending = true;
        try
        {
            foreach (var (array, length) in _full)
            {
                await SendAllAsync(array.AsMemory(0, length), source.Token);
            }

            if (_written > 0)
            {
                await SendAllAsync(_buffer.AsMemory(0, _written), source.Token);
            }

            ReturnBuffers();
            if (_cancelRequested)
            {
                _cancelRequested = false;
                return new FlushResult(isCanceled: true, isCompleted: false);
            }

            return default;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (_cancelRequested)
        {
            // What was not sent is dropped with the flush, as a cancelled stream write leaves it.
            _cancelRequested = false;
            ReturnBuffers();
            return new FlushResult(isCanceled: true, isCompleted: false);
        }
        catch (SocketException e)
        {
            // As NetworkStream reports it, which the session's error handling expects.
            throw new IOException($"Unable to write data to the transport connection: {e.Message}.", e);
        }
        finally
        {
            await registration.DisposeAsync();
            _sending = false;
            if (_completed)
            {
                ReturnBuffers();
            }
        }
    }

    /// <summary>Sends every byte: a stream socket may take fewer than offered.</summary>
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }

    private void ReturnBuffers()
    {
        foreach (var (array, _) in _full)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _full.Clear();
        _queued = 0;
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _written = 0;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            // The exception the stream-based pipes throw, which the session's error handling expects.
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
        }
    }
}
