using System.Buffers.Binary;

namespace MitmFixture.Proxy;

/// <summary>
/// The floods Kestrel's HTTP/2 server answers frame by frame for as long as a client sends them, found
/// from frame headers alone (RFC 9113 §4.1) on both directions of one client connection, so the
/// connection can be ended with GOAWAY ENHANCE_YOUR_CALM (§7, 0xb) as nghttp2 and Envoy end them:
/// <list type="bullet">
/// <item>SETTINGS and PING floods (CVE-2019-9515, CVE-2019-9512): each costs an ACK; more than
/// <see cref="MaxControlFramesPerSecond"/> in a second is a flood (a browser or gRPC client sends a few).</item>
/// <item>CONTINUATION floods (CVE-2024-27316 class): a header block whose frames carry more than
/// the header limit before END_HEADERS, or <see cref="MaxEmptyFramesInARow"/> empty CONTINUATION, HEADERS
/// or DATA frames that move nothing (Envoy's max_consecutive_inbound_frames_with_empty_payload).</item>
/// <item>Rapid reset (CVE-2023-44487): more than <see cref="MaxResetsReceivedPerSecond"/> RST_STREAM
/// frames from the client in a second. Kestrel has its own bound (streams reset before their
/// application completes), but past it Kestrel aborts with GOAWAY INTERNAL_ERROR as often as
/// ENHANCE_YOUR_CALM; this one answers first, and always with ENHANCE_YOUR_CALM. Stricter than
/// nghttp2's default (a burst of 1,000, then 33 a second): a test suite cancelling more than 100 calls a
/// second on one connection is not a case worth a hole.</item>
/// <item>Stream exhaustion: a client that keeps opening streams past MAX_CONCURRENT_STREAMS gets one
/// RST_STREAM per stream from Kestrel (REFUSED_STREAM); more than <see cref="MaxResetsSentPerSecond"/>
/// of them in a second is a flood.</item>
/// </list>
/// Sans-IO: <see cref="Http2GuardedStream"/> feeds it the bytes each way; it keeps only frame-header
/// state. It is not thread-safe per direction: one reader and one writer, as on a connection.
/// </summary>
internal sealed class Http2FloodGuard(int maxHeaderBlockBytes, TimeProvider time)
{
    /// <summary>Non-ACK SETTINGS plus PING frames a client may send in one second.</summary>
    public const int MaxControlFramesPerSecond = 1_000;

    /// <summary>Empty HEADERS, CONTINUATION or DATA frames (none of them ending anything) in a row.</summary>
    public const int MaxEmptyFramesInARow = 16;

    /// <summary>RST_STREAM frames a client may send in one second: as many as its concurrent streams.</summary>
    public const int MaxResetsReceivedPerSecond = Http2Front.MaxStreamsPerConnection;

    /// <summary>
    /// RST_STREAM frames the server may send one client in one second: as many as its concurrent
    /// streams. Below Kestrel's own bound (it resets streams past twice the limit with
    /// ENHANCE_YOUR_CALM and soon aborts with GOAWAY INTERNAL_ERROR), so this answer comes first.
    /// </summary>
    public const int MaxResetsSentPerSecond = Http2Front.MaxStreamsPerConnection;

    private const int PrefaceLength = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", RFC 9113 §3.4
    private const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, Ping = 0x6, Continuation = 0x9;
    private const byte EndStreamOrAck = 0x1, EndHeaders = 0x4;

    private readonly FrameCursor _client = new(PrefaceLength);
    private readonly FrameCursor _server = new(0);
    private readonly RateWindow _controlFrames = new(time);
    private readonly RateWindow _resetsSent = new(time);
    private readonly RateWindow _resetsReceived = new(time);
    private int _emptyInARow;
    private long _headerBlockBytes = -1; // -1: no header block open

    /// <summary>The highest stream a client opened: GOAWAY's last-stream-id (§6.8).</summary>
    public int LastClientStreamId { get; private set; }

    /// <summary>True when the server's bytes so far end on a frame boundary, where a GOAWAY may go in.</summary>
    public bool ServerAtFrameBoundary => _server.AtBoundary;

    /// <summary>Reads the client's next bytes; returns why the connection must end, or null.</summary>
    public string? InspectClient(ReadOnlySpan<byte> bytes)
    {
        string? verdict = null;
        while (_client.TryRead(ref bytes, out var frame))
        {
            verdict ??= OnClientFrame(frame);
        }

        return verdict;
    }

    /// <summary>Reads the server's next bytes (what Kestrel writes); returns why the connection must end, or null.</summary>
    public string? InspectServer(ReadOnlySpan<byte> bytes)
    {
        string? verdict = null;
        while (_server.TryRead(ref bytes, out var frame))
        {
            if (frame.Type == RstStream && _resetsSent.Add() > MaxResetsSentPerSecond)
            {
                verdict ??= $"more than {MaxResetsSentPerSecond} streams refused or reset in a second (stream exhaustion)";
            }
        }

        return verdict;
    }

    private string? OnClientFrame(in FrameHeader frame)
    {
        switch (frame.Type)
        {
            case Settings or Ping when (frame.Flags & EndStreamOrAck) == 0:
                if (_controlFrames.Add() > MaxControlFramesPerSecond)
                {
                    return $"more than {MaxControlFramesPerSecond} SETTINGS and PING frames in a second";
                }

                break;
            case RstStream:
                if (_resetsReceived.Add() > MaxResetsReceivedPerSecond)
                {
                    return $"more than {MaxResetsReceivedPerSecond} streams reset in a second (rapid reset)";
                }

                break;
            case Headers:
                LastClientStreamId = Math.Max(LastClientStreamId, frame.StreamId);
                _headerBlockBytes = 0;
                return OnHeaderBlockFragment(frame);
            case Continuation when _headerBlockBytes >= 0:
                return OnHeaderBlockFragment(frame);
        }

        return CountEmpty(frame.Length == 0 && frame.Type == Data && (frame.Flags & EndStreamOrAck) == 0);
    }

    private string? OnHeaderBlockFragment(in FrameHeader frame)
    {
        _headerBlockBytes += frame.Length;
        if (_headerBlockBytes > maxHeaderBlockBytes)
        {
            return $"a header block past {maxHeaderBlockBytes} bytes (CONTINUATION flood)";
        }

        var ended = (frame.Flags & EndHeaders) != 0;
        if (ended)
        {
            _headerBlockBytes = -1;
        }

        return CountEmpty(frame.Length == 0 && !ended);
    }

    private string? CountEmpty(bool empty)
    {
        _emptyInARow = empty ? _emptyInARow + 1 : 0;
        return _emptyInARow > MaxEmptyFramesInARow ? $"more than {MaxEmptyFramesInARow} empty frames in a row" : null;
    }

    private readonly record struct FrameHeader(int Length, byte Type, byte Flags, int StreamId);

    /// <summary>Where one direction's byte stream stands: in a preface, a frame header, or a payload being skipped.</summary>
    private sealed class FrameCursor(int prefaceLength)
    {
        private readonly byte[] _header = new byte[9];
        private int _prefaceLeft = prefaceLength;
        private int _headerFilled;
        private long _payloadLeft;

        public bool AtBoundary => _prefaceLeft == 0 && _headerFilled == 0 && _payloadLeft == 0;

        /// <summary>Consumes bytes up to and including the next complete frame header; false when they run out first.</summary>
        public bool TryRead(ref ReadOnlySpan<byte> bytes, out FrameHeader frame)
        {
            while (!bytes.IsEmpty)
            {
                if (_prefaceLeft > 0)
                {
                    var skip = Math.Min(_prefaceLeft, bytes.Length);
                    _prefaceLeft -= skip;
                    bytes = bytes[skip..];
                }
                else if (_payloadLeft > 0)
                {
                    var skip = (int)Math.Min(_payloadLeft, bytes.Length);
                    _payloadLeft -= skip;
                    bytes = bytes[skip..];
                }
                else
                {
                    var take = Math.Min(9 - _headerFilled, bytes.Length);
                    bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
                    _headerFilled += take;
                    bytes = bytes[take..];
                    if (_headerFilled == 9)
                    {
                        _headerFilled = 0;
                        frame = new FrameHeader(
                            (_header[0] << 16) | (_header[1] << 8) | _header[2],
                            _header[3],
                            _header[4],
                            BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(5)) & int.MaxValue);
                        _payloadLeft = frame.Length;
                        return true;
                    }
                }
            }

            frame = default;
            return false;
        }
    }

    /// <summary>Events in the current one-second window.</summary>
    private sealed class RateWindow(TimeProvider time)
    {
        private long _windowStart = time.GetTimestamp();
        private int _count;

        public int Add()
        {
            if (time.GetElapsedTime(_windowStart) >= TimeSpan.FromSeconds(1))
            {
                _windowStart = time.GetTimestamp();
                _count = 0;
            }

            return ++_count;
        }
    }
}
