using System.Buffers.Binary;
using System.Text;

namespace MitmFixture.Proxy;

/// <summary>
/// The decrypted client stream as Kestrel's HTTP/2 connection reads and writes it, watched by an
/// <see cref="Http2FloodGuard"/>. When the guard finds a flood, the client gets GOAWAY
/// ENHANCE_YOUR_CALM (RFC 9113 §7) at the next frame boundary of what Kestrel writes, Kestrel's
/// further output is dropped and its input ends, so Kestrel closes the connection and aborts its
/// streams as for any client that went away. Kestrel's first SETTINGS loses its offer of the
/// extended CONNECT on the way (<see cref="Http2ConnectProtocolSetting"/>).
/// </summary>
internal sealed class Http2GuardedStream(Stream inner, Http2FloodGuard guard) : Stream
{
    private const uint EnhanceYourCalm = 0xb;
    private static readonly TimeSpan GoAwayWait = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _ending = new(); // ends a read pending when the writer finds the flood
    private string? _floodReason; // set once; from then on Kestrel reads the end of the stream
    private int _ended;
    private bool _goAwayPending; // the flood was found mid-frame: the writer sends the GOAWAY at the frame's end
    private bool _outputClosed; // the GOAWAY is out: nothing Kestrel writes after it reaches the client
    private CancellationToken _readCallerToken; // the token the last read's link was made for
    private CancellationTokenSource? _readLink; // that token linked with _ending; reads are sequential, so one at a time
    private bool _wroteFirst; // Kestrel's first write (its SETTINGS) has passed Http2ConnectProtocolSetting

    /// <summary>Why the guard ended the connection, or null.</summary>
    public string? FloodReason => Volatile.Read(ref _floodReason);

    /// <summary>
    /// After a GOAWAY for a flood: reads and drops what the client still sends, until it closes or
    /// <paramref name="limit"/> passes. Closing with the flood unread would make the kernel reset the
    /// connection, and a client that gets the reset discards the GOAWAY still unread in its buffer
    /// (the lingering close nginx and nghttp2 do for the same reason).
    /// </summary>
    public async Task LingerAsync(TimeSpan limit)
    {
        if (FloodReason is null)
        {
            return;
        }

        var discard = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            while (await inner.ReadAsync(discard, timeout.Token) > 0)
            {
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Timed out, or the client reset: either way the connection is done.
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (FloodReason is not null)
        {
            return 0;
        }

        int read;
        try
        {
            read = await inner.ReadAsync(buffer, ReadToken(cancellationToken));
        }
        catch (OperationCanceledException) when (_ending.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return 0;
        }

        if (read > 0 && guard.InspectClient(buffer.Span[..read]) is { } reason)
        {
            await EndAsync(reason);
            return 0; // the flood's bytes never reach Kestrel
        }

        return read;
    }

    /// <summary>
    /// The caller's token linked with the flood's end. Kestrel's pipe reader passes the same token to
    /// every read until it cancels one, so the link is made once per connection, not once per read
    /// (a token source and two registrations per read were a visible share of an h2 request).
    /// </summary>
    private CancellationToken ReadToken(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return _ending.Token;
        }

        if (_readLink is null || _readLink.IsCancellationRequested || cancellationToken != _readCallerToken)
        {
            _readLink?.Dispose();
            _readLink = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _ending.Token);
            _readCallerToken = cancellationToken;
        }

        return _readLink.Token;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        string? reason;
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_goAwayPending && guard.ServerAtFrameBoundary)
            {
                await WriteGoAwayAsync(CancellationToken.None);
            }

            if (_outputClosed)
            {
                return;
            }

            if (!_wroteFirst)
            {
                _wroteFirst = true;
                buffer = Http2ConnectProtocolSetting.Withdraw(buffer);
            }

            await inner.WriteAsync(buffer, cancellationToken);
            reason = guard.InspectServer(buffer.Span);
            if (_goAwayPending && guard.ServerAtFrameBoundary)
            {
                await WriteGoAwayAsync(CancellationToken.None);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        if (reason is not null)
        {
            await EndAsync(reason);
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _outputClosed ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Kestrel reads asynchronously");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Kestrel writes asynchronously");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _writeLock.Dispose();
            _readLink?.Dispose();
            _ending.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Sends the GOAWAY now if Kestrel's output is on a frame boundary, else has the writer send it
    /// there; only then ends Kestrel's input, so Kestrel's own GOAWAY for the ending connection finds
    /// the output closed and ours is the one the client reads.
    /// </summary>
    private async Task EndAsync(string reason)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 1)
        {
            return;
        }

        // A client that stops reading can hold Kestrel's write, and the lock, for good: then the
        // connection ends without the GOAWAY, by Kestrel seeing its input end.
        var locked = await _writeLock.WaitAsync(GoAwayWait);
        try
        {
            Volatile.Write(ref _floodReason, reason);
            if (locked && !_outputClosed)
            {
                if (guard.ServerAtFrameBoundary)
                {
                    await WriteGoAwayAsync(CancellationToken.None);
                }
                else
                {
                    _goAwayPending = true;
                }
            }
        }
        finally
        {
            if (locked)
            {
                _writeLock.Release();
            }
        }

        await _ending.CancelAsync();
    }

    /// <summary>GOAWAY (§6.8): the last stream the client opened, ENHANCE_YOUR_CALM, the reason as debug data. Under the write lock.</summary>
    private async Task WriteGoAwayAsync(CancellationToken cancellationToken)
    {
        _outputClosed = true;
        _goAwayPending = false;
        var debug = Encoding.ASCII.GetBytes(FloodReason ?? "");
        var frame = new byte[9 + 8 + debug.Length];
        var length = 8 + debug.Length;
        frame[0] = (byte)(length >> 16);
        frame[1] = (byte)(length >> 8);
        frame[2] = (byte)length;
        frame[3] = 0x7; // GOAWAY; flags 0, stream 0
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(9), guard.LastClientStreamId);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(13), EnhanceYourCalm);
        debug.CopyTo(frame.AsSpan(17));
        try
        {
            using var timeout = new CancellationTokenSource(GoAwayWait);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            await inner.WriteAsync(frame, linked.Token);
            await inner.FlushAsync(linked.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone or not reading: the connection ends all the same.
        }
    }
}
