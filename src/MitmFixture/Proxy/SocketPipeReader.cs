using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace MitmFixture.Proxy;

/// <summary>
/// A pipe reader fed straight from a socket, with no stream or second pipe in between (Kestrel's
/// socket transport without its receive loop: the socket is read when the parser asks for bytes, so
/// the continuation that parses them is the socket completion itself).
/// <para>
/// The bytes live in one pooled array, so a request head is a single-segment sequence for the
/// parser. An empty buffer goes back to the pool; the next read takes what the socket already holds
/// with one non-blocking receive, or else waits with a zero-byte receive, so an idle connection
/// holds no read buffer (bench/RESULTS.md, "Idle connections").
/// </para>
/// <para>
/// Semantics follow <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/>'s reader,
/// which the engine was written against: <see cref="TryRead"/> never touches the socket,
/// <see cref="CancelPendingRead"/> also cancels a receive in progress, and socket errors surface
/// as <see cref="IOException"/> as NetworkStream raises them.
/// </para>
/// </summary>
#pragma warning disable CA1001 // the cancellation source has no timer, so it holds nothing to release; disposing it would race CancelPending* from another thread
internal sealed class SocketPipeReader : PipeReader
#pragma warning restore CA1001
{
    private const int BufferSize = 16 * 1024;
    private const int MinimumReadSize = 4 * 1024;

    private readonly Socket _socket;

    private byte[]? _buffer;
    private int _start;
    private int _end;

    /// <summary>The last <see cref="AdvanceTo(SequencePosition, SequencePosition)"/> examined every buffered byte: the next read must receive.</summary>
    private bool _examinedEverything;
    private bool _socketEnded;
    private bool _completed;
    private bool _receiving;
    private volatile bool _cancelRequested;
    private CancellationTokenSource? _cancelSource;

    /// <summary>
    /// Puts the socket in non-blocking mode for <see cref="TryReceiveNow"/>; the socket's async
    /// operations are not affected, and <see cref="DuplexConnection.Stream"/> switches it back
    /// before a <see cref="NetworkStream"/> (which refuses non-blocking sockets) is made over it.
    /// </summary>
    public SocketPipeReader(Socket socket)
    {
        _socket = socket;
        _socket.Blocking = false;
    }

    private ReadOnlySequence<byte> Buffered => _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => ReadAsync(tryFirst: true, cancellationToken);

    /// <summary>
    /// A read that goes straight to the zero-byte wait, for a peer that has just answered and owes
    /// nothing (an idle server connection's watch): trying a receive first would only cost a system
    /// call that finds nothing.
    /// </summary>
    public ValueTask<ReadResult> WaitAndReadAsync(CancellationToken cancellationToken = default) => ReadAsync(tryFirst: false, cancellationToken);

    private ValueTask<ReadResult> ReadAsync(bool tryFirst, CancellationToken cancellationToken)
    {
        ThrowIfCompleted();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        if (TryReadBuffered(out var result))
        {
            return ValueTask.FromResult(result);
        }

        if (_socketEnded)
        {
            return ValueTask.FromResult(new ReadResult(Buffered, isCanceled: false, isCompleted: true));
        }

        // Bytes the peer already sent (a client's next request usually is there when its last answer
        // went out) are taken with one receive, instead of a zero-byte wait, a size query and a receive.
        try
        {
            if (tryFirst && _buffer is null && TryReceiveNow())
            {
                return ValueTask.FromResult(new ReadResult(Buffered, isCanceled: false, isCompleted: _socketEnded));
            }
        }
        catch (SocketException e)
        {
            return ValueTask.FromException<ReadResult>(ReadFailed(e));
        }

        return ReceiveAsync(cancellationToken);
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        return TryReadBuffered(out result);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        if (_buffer is null || !ReferenceEquals(consumed.GetObject(), _buffer))
        {
            // Only the empty sequence's positions can name another array (or none).
            if (_start != _end)
            {
                throw new InvalidOperationException("The position does not belong to the last buffer this reader returned.");
            }

            _examinedEverything = true;
            return;
        }

        var consumedAt = consumed.GetInteger();
        var examinedAt = ReferenceEquals(examined.GetObject(), _buffer) ? examined.GetInteger() : _end;
        if (consumedAt < _start || consumedAt > _end || examinedAt < consumedAt || examinedAt > _end)
        {
            throw new InvalidOperationException("The consumed or examined position is outside the buffered bytes.");
        }

        _examinedEverything = examinedAt == _end;
        _start = consumedAt;
        if (_start == _end)
        {
            ReturnBuffer();
        }
    }

    public override void CancelPendingRead()
    {
        _cancelRequested = true;
        _cancelSource?.Cancel();
    }

    public override void Complete(Exception? exception = null)
    {
        _completed = true;
        if (!_receiving)
        {
            // A receive in progress still writes into the buffer; it returns it when it ends.
            ReturnBuffer();
        }
    }

    /// <summary>What a read can return without the socket: a pending cancellation, or bytes not yet examined.</summary>
    private bool TryReadBuffered(out ReadResult result)
    {
        if (_cancelRequested)
        {
            _cancelRequested = false;
            result = new ReadResult(Buffered, isCanceled: true, isCompleted: _socketEnded);
            return true;
        }

        if (_end > _start && (!_examinedEverything || _socketEnded))
        {
            result = new ReadResult(Buffered, isCanceled: false, isCompleted: _socketEnded);
            return true;
        }

        result = default;
        return false;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_cancelSource is null || _cancelSource.IsCancellationRequested)
        {
            // Not disposed: CancelPendingRead may still hold the old one, and a source without a timer needs no disposal.
            _cancelSource = new CancellationTokenSource();
        }

        var source = _cancelSource;
        var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), source)
            : default;
        _receiving = true;
        try
        {
            // Wait for bytes before renting a buffer (the zero-byte read), then take them without
            // waiting. On Linux the wait sometimes ends with nothing to read (seen on idle server
            // connections after a response); a receive then would pin a 16 KiB buffer for as long as
            // the connection idles, so wait once more (bench/RESULTS.md, issue 19). A closed or
            // failed socket ends the wait at once and the receive reports it.
            var received = false;
            for (var wakes = 0; _buffer is null && wakes < 2 && !received; wakes++)
            {
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, source.Token);
                received = TryReceiveNow();
            }

            if (!received)
            {
                var count = await _socket.ReceiveAsync(MakeRoom(), SocketFlags.None, source.Token);
                Received(count);
            }

            if (_cancelRequested)
            {
                _cancelRequested = false;
                return new ReadResult(Buffered, isCanceled: true, isCompleted: _socketEnded);
            }

            return new ReadResult(Buffered, isCanceled: false, isCompleted: _socketEnded);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OperationCanceledException) when (_cancelRequested)
        {
            _cancelRequested = false;
            return new ReadResult(Buffered, isCanceled: true, isCompleted: false);
        }
        catch (SocketException e)
        {
            throw ReadFailed(e);
        }
        finally
        {
            await registration.DisposeAsync();
            _receiving = false;
            if (_completed || _start == _end)
            {
                ReturnBuffer();
            }
        }
    }

    /// <summary>
    /// Receives what the socket holds without waiting (it is non-blocking): false, with no buffer
    /// kept, when nothing is there yet.
    /// </summary>
    private bool TryReceiveNow()
    {
        var free = MakeRoom();
        var count = _socket.Receive(free.Span, SocketFlags.None, out var error);
        if (error == SocketError.WouldBlock)
        {
            if (_start == _end)
            {
                ReturnBuffer();
            }

            return false;
        }

        if (error != SocketError.Success)
        {
            throw new SocketException((int)error);
        }

        Received(count);
        return true;
    }

    private void Received(int count)
    {
        if (count == 0)
        {
            _socketEnded = true;
        }

        _end += count;
        _examinedEverything = false;
    }

    /// <summary>As NetworkStream reports a failed read, which the session's error handling expects.</summary>
    private static IOException ReadFailed(SocketException e) => new($"Unable to read data from the transport connection: {e.Message}.", e);

    /// <summary>Free space after the buffered bytes: a fresh buffer, the live bytes moved to the front, or a bigger buffer.</summary>
    private Memory<byte> MakeRoom()
    {
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            _start = _end = 0;
        }
        else if (_buffer.Length - _end < MinimumReadSize)
        {
            var live = _end - _start;
            if (_buffer.Length - live >= Math.Max(MinimumReadSize, _buffer.Length / 2))
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
            }
            else
            {
                // The reader examined everything and still wants more (a long head, a large frame): grow.
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, live + MinimumReadSize));
                Buffer.BlockCopy(_buffer, _start, bigger, 0, live);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            _start = 0;
            _end = live;
        }

        return _buffer.AsMemory(_end);
    }

    private void ReturnBuffer()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        _start = _end = 0;
    }

    private void ThrowIfCompleted()
    {
        if (_completed)
        {
            // The exception the stream-based pipes throw, which the session's error handling expects.
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }
}
