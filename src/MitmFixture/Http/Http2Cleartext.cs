using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MitmFixture.Http;

/// <summary>How far the start of a cleartext connection matches the HTTP/2 client preface.</summary>
internal enum PrefaceMatch
{
    /// <summary>Not the preface: HTTP/1.x (or garbage for the HTTP/1.1 parser to reject).</summary>
    No,

    /// <summary>Every byte so far is the preface's, but not all of it has arrived.</summary>
    Partial,

    /// <summary>The whole 24-byte preface: the client speaks h2c with prior knowledge.</summary>
    Full,
}

/// <summary>
/// h2c with prior knowledge (RFC 9113 §3.3): a cleartext client that starts with the connection
/// preface instead of an HTTP/1.1 request. Sans-IO: it looks at bytes and writes frames, the session
/// reads and sends them.
/// </summary>
internal static class Http2Cleartext
{
    /// <summary>RFC 9113 §7: "The endpoint requires that HTTP/1.1 be used instead of HTTP/2."</summary>
    public const uint Http11Required = 0xd;

    /// <summary>RFC 9113 §3.4: the client connection preface's fixed start.</summary>
    public static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    /// <summary>Compares what has arrived with the preface; an HTTP/1.1 request differs by its second byte at the latest.</summary>
    public static PrefaceMatch Match(ReadOnlySequence<byte> buffer)
    {
        var preface = Preface;
        var length = (int)Math.Min(buffer.Length, preface.Length);
        Span<byte> start = stackalloc byte[preface.Length];
        buffer.Slice(0, length).CopyTo(start);
        if (!start[..length].SequenceEqual(preface[..length]))
        {
            return PrefaceMatch.No;
        }

        return length == preface.Length ? PrefaceMatch.Full : PrefaceMatch.Partial;
    }

    /// <summary>
    /// The answer to an h2c client the proxy will not serve: the server preface (an empty SETTINGS
    /// frame, which RFC 9113 §3.4 requires first) and a GOAWAY with HTTP_1_1_REQUIRED carrying
    /// <paramref name="reason"/> as debug data (§6.8), so the client sees why instead of a framing error.
    /// </summary>
    public static void WriteRefusal(IBufferWriter<byte> output, string reason)
    {
        WriteFrameHeader(output, length: 0, type: 0x4, streamId: 0); // SETTINGS, no parameters
        var debug = Encoding.UTF8.GetBytes(reason);
        WriteFrameHeader(output, length: 8 + debug.Length, type: 0x7, streamId: 0); // GOAWAY
        var payload = output.GetSpan(8);
        BinaryPrimitives.WriteUInt32BigEndian(payload, 0); // last stream id: none was processed
        BinaryPrimitives.WriteUInt32BigEndian(payload[4..], Http11Required);
        output.Advance(8);
        output.Write(debug);
    }

    /// <summary>RFC 9113 §4.1: 24-bit length, type, flags (none here), reserved bit and 31-bit stream id.</summary>
    private static void WriteFrameHeader(IBufferWriter<byte> output, int length, byte type, uint streamId)
    {
        var header = output.GetSpan(9);
        header[0] = (byte)(length >> 16);
        header[1] = (byte)(length >> 8);
        header[2] = (byte)length;
        header[3] = type;
        header[4] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[5..], streamId & 0x7fffffff);
        output.Advance(9);
    }
}
