using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A raw-frame HTTP/2 client over TLS (ALPN h2) for attack tests: it writes whatever frames a test
/// builds, well-formed or not (RFC 9113 §4.1 layout, HPACK literals built by <see cref="Hpack"/>),
/// and a background loop reads every frame the server sends, counting them by type and keeping the
/// GOAWAY error code, so a test can flood without the server's replies filling the socket.
/// </summary>
public sealed class H2FrameClient : IAsyncDisposable
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, GoAway = 0x7, WindowUpdate = 0x8, Continuation = 0x9;
    public const byte EndStream = 0x1, Ack = 0x1, EndHeaders = 0x4;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly TcpClient _tcp;
    private readonly SslStream _tls;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly long[] _framesByType = new long[16];
    private readonly TaskCompletionSource<H2Ending> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reader;
    private long _bytesRead;
    private long _dataBytes;
    private long _firstResetCode = -1;

    private H2FrameClient(TcpClient tcp, SslStream tls)
    {
        _tcp = tcp;
        _tls = tls;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>How the server ended the connection, once it has.</summary>
    public Task<H2Ending> Ended => _ended.Task;

    /// <summary>Bytes of DATA payload the server has sent.</summary>
    public long DataBytes => Interlocked.Read(ref _dataBytes);

    /// <summary>Every byte read from the server (frame headers included).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The error code of the first RST_STREAM the server sent, or null.</summary>
    public uint? FirstResetCode => Interlocked.Read(ref _firstResetCode) is >= 0 and var code ? (uint)code : null;

    public long FramesOfType(byte type) => Interlocked.Read(ref _framesByType[type & 0xf]);

    /// <summary>
    /// Connects to 127.0.0.1:<paramref name="port"/> with TLS offering only h2 (the certificate checked
    /// by <paramref name="validate"/>), sends the preface and a SETTINGS frame (<paramref name="settings"/>
    /// as id/value pairs; none by default).
    /// </summary>
    public static async Task<H2FrameClient> ConnectAsync(int port, RemoteCertificateValidationCallback validate, CancellationToken cancellationToken, params (ushort Id, uint Value)[] settings)
    {
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync("127.0.0.1", port, cancellationToken);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    ApplicationProtocols = [SslApplicationProtocol.Http2],
                    RemoteCertificateValidationCallback = validate,
                },
                cancellationToken);
            Assert.Equal(SslApplicationProtocol.Http2, tls.NegotiatedApplicationProtocol);
            await tls.WriteAsync(Preface, cancellationToken);
            var client = new H2FrameClient(tcp, tls);
            await client.SendAsync(Settings, 0, 0, SettingsPayload(settings), cancellationToken);
            return client;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Writes one frame; false once the server has closed the connection (the usual end of an attack).</summary>
    public Task<bool> SendAsync(byte type, byte flags, int streamId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        SendRawAsync(Frame(type, flags, streamId, payload.Span), cancellationToken);

    /// <summary>Writes bytes as they are, so a test can send frames whose header lies about their length.</summary>
    public async Task<bool> SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (_ended.Task.IsCompleted)
        {
            return false;
        }

        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            await _tls.WriteAsync(bytes, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            return false; // reset or closed under us
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A GET request's HEADERS frame (END_HEADERS | END_STREAM).</summary>
    public Task<bool> SendGetAsync(int streamId, string path, CancellationToken cancellationToken) =>
        SendAsync(Headers, EndHeaders | EndStream, streamId, Hpack.Request("GET", path), cancellationToken);

    /// <summary>Waits for the server to end the connection, at most <paramref name="timeout"/>; null if it did not.</summary>
    public async Task<H2Ending?> WaitForEndAsync(TimeSpan timeout)
    {
        var done = await Task.WhenAny(_ended.Task, Task.Delay(timeout));
        return done == _ended.Task ? await _ended.Task : null;
    }

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId & int.MaxValue);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    public static byte[] SettingsPayload(params (ushort Id, uint Value)[] settings)
    {
        var payload = new byte[settings.Length * 6];
        for (var i = 0; i < settings.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(i * 6), settings[i].Id);
            BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan((i * 6) + 2), settings[i].Value);
        }

        return payload;
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose(); // ends the read loop
        await _reader;
        _tls.Dispose();
        _writeLock.Dispose();
        _ended.TrySetResult(new H2Ending(null, "disposed"));
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[9];
        var payload = new byte[16 * 1024]; // SETTINGS_MAX_FRAME_SIZE's initial value, which this client never raises
        try
        {
            while (true)
            {
                if (!await ReadExactlyOrEndAsync(header))
                {
                    _ended.TrySetResult(new H2Ending(null, "closed"));
                    return;
                }

                var length = (header[0] << 16) | (header[1] << 8) | header[2];
                var type = header[3];
                if (length > payload.Length)
                {
                    _ended.TrySetResult(new H2Ending(null, $"server sent a {length}-byte frame"));
                    return;
                }

                if (!await ReadExactlyOrEndAsync(payload.AsMemory(0, length)))
                {
                    _ended.TrySetResult(new H2Ending(null, "closed"));
                    return;
                }

                Interlocked.Add(ref _bytesRead, 9 + length);
                Interlocked.Increment(ref _framesByType[type & 0xf]);
                if (type == Data)
                {
                    Interlocked.Add(ref _dataBytes, length);
                }
                else if (type == RstStream && length == 4)
                {
                    Interlocked.CompareExchange(ref _firstResetCode, BinaryPrimitives.ReadUInt32BigEndian(payload), -1);
                }
                else if (type == GoAway && length >= 8)
                {
                    var lastStreamId = BinaryPrimitives.ReadInt32BigEndian(payload) & int.MaxValue;
                    var code = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(4));
                    var debug = Encoding.UTF8.GetString(payload, 8, length - 8);
                    _ended.TrySetResult(new H2Ending(code, debug, lastStreamId));
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            _ended.TrySetResult(new H2Ending(null, "reset"));
        }
    }

    private async Task<bool> ReadExactlyOrEndAsync(Memory<byte> buffer)
    {
        try
        {
            await _tls.ReadExactlyAsync(buffer);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    /// <summary>HPACK (RFC 7541) header blocks made of literals, without Huffman coding.</summary>
    public static class Hpack
    {
        /// <summary>A request's pseudo-header fields (literal, never indexed, as §6.2.2 lays out).</summary>
        public static byte[] Request(string method, string path, params (string Name, string Value)[] headers)
        {
            using var block = new MemoryStream();
            Literal(block, 0x00, 4, ":method", method);
            Literal(block, 0x00, 4, ":scheme", "https");
            Literal(block, 0x00, 4, ":authority", "localhost");
            Literal(block, 0x00, 4, ":path", path);
            foreach (var (name, value) in headers)
            {
                Literal(block, 0x00, 4, name, value);
            }

            return block.ToArray();
        }

        /// <summary>A literal field without indexing (§6.2.2).</summary>
        public static byte[] Field(string name, string value)
        {
            using var block = new MemoryStream();
            Literal(block, 0x00, 4, name, value);
            return block.ToArray();
        }

        /// <summary>A literal field with incremental indexing (§6.2.1): it enters the dynamic table at index 62.</summary>
        public static byte[] Indexed(string name, string value)
        {
            using var block = new MemoryStream();
            Literal(block, 0x40, 6, name, value);
            return block.ToArray();
        }

        /// <summary>An indexed field (§6.1): a reference to a table entry, one or two bytes.</summary>
        public static byte[] Reference(int index)
        {
            using var block = new MemoryStream();
            Integer(block, 0x80, 7, index);
            return block.ToArray();
        }

        private static void Literal(MemoryStream block, byte pattern, int prefix, string name, string value)
        {
            Integer(block, pattern, prefix, 0); // new name
            var nameBytes = Encoding.ASCII.GetBytes(name);
            Integer(block, 0x00, 7, nameBytes.Length);
            block.Write(nameBytes);
            var valueBytes = Encoding.ASCII.GetBytes(value);
            Integer(block, 0x00, 7, valueBytes.Length);
            block.Write(valueBytes);
        }

        /// <summary>§5.1's prefixed integer.</summary>
        private static void Integer(MemoryStream block, byte pattern, int prefix, int value)
        {
            var max = (1 << prefix) - 1;
            if (value < max)
            {
                block.WriteByte((byte)(pattern | value));
                return;
            }

            block.WriteByte((byte)(pattern | max));
            value -= max;
            while (value >= 128)
            {
                block.WriteByte((byte)((value % 128) + 128));
                value /= 128;
            }

            block.WriteByte((byte)value);
        }
    }
}

/// <summary>
/// How the server ended an h2 connection: a GOAWAY's error code (null without one) and its debug
/// text or how it closed, and the GOAWAY's last-stream-id: the highest stream the server took (RFC 9113 §6.8).
/// </summary>
public sealed record H2Ending(uint? ErrorCode, string Detail, int? LastStreamId = null)
{
    public override string ToString() => ErrorCode is { } code ? $"GOAWAY 0x{code:x} {Detail}" : $"no GOAWAY ({Detail})";
}
