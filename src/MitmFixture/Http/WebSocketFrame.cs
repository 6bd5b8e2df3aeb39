using System.Buffers;

namespace MitmFixture.Http;

internal enum WebSocketOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>One WebSocket frame with its payload unmasked (RFC 6455 §5.2).</summary>
internal readonly record struct WebSocketFrame(bool Fin, WebSocketOpcode Opcode, byte[] Payload)
{
    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>
    /// Parses one frame without I/O; false when more bytes are needed. Protocol violations throw a
    /// <see cref="WebSocketProtocolException"/> carrying the close code to send (1002, or 1009 when too big).
    /// </summary>
    /// <param name="expectMasked">True for frames from the client, which must be masked (RFC 6455 §5.1).</param>
    public static bool TryParse(ref SequenceReader<byte> reader, bool expectMasked, long maxPayload, out WebSocketFrame frame)
    {
        frame = default;
        var start = reader.Position;
        if (!WebSocketFrameHeader.TryParse(ref reader, expectMasked, maxPayload, out var header) || reader.Remaining < header.Length)
        {
            return Rewind(ref reader, start);
        }

        var payload = new byte[header.Length];
        reader.UnreadSequence.Slice(0, header.Length).CopyTo(payload);
        reader.Advance(header.Length);
        header.Unmask(payload, 0);
        frame = new WebSocketFrame(header.Fin, header.Opcode, payload);
        return true;
    }

    /// <summary>Writes a frame; frames to the server are masked with a fresh key (RFC 6455 §5.3).</summary>
    public static void Write(IBufferWriter<byte> output, bool fin, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool mask)
    {
        var header = WebSocketFrameHeader.Create(fin, opcode, payload.Length, mask);
        header.Write(output);
        header.WritePayload(output, payload, 0);
    }

    /// <summary>Every whole frame in <paramref name="buffer"/>; <paramref name="consumed"/> is where the next begins.</summary>
    public static List<WebSocketFrame> ParseAll(ReadOnlySequence<byte> buffer, bool expectMasked, long maxPayload, out SequencePosition consumed)
    {
        var frames = new List<WebSocketFrame>();
        var reader = new SequenceReader<byte>(buffer);
        while (TryParse(ref reader, expectMasked, maxPayload, out var frame))
        {
            frames.Add(frame);
        }

        consumed = reader.Position;
        return frames;
    }

    /// <summary>A close frame with a status code and a reason cut to fit a control frame (RFC 6455 §5.5.1).</summary>
    public static void WriteClose(IBufferWriter<byte> output, int code, string reason, bool mask)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(WebSocketClose.FitReason(reason));
        var payload = new byte[2 + text.Length];
        payload[0] = (byte)(code >> 8);
        payload[1] = (byte)code;
        text.CopyTo(payload, 2);
        Write(output, true, WebSocketOpcode.Close, payload, mask);
    }

    internal static bool Rewind(ref SequenceReader<byte> reader, SequencePosition start)
    {
        reader = new SequenceReader<byte>(reader.Sequence);
        reader.Advance(reader.Sequence.Slice(0, start).Length);
        return false;
    }
}

/// <summary>A peer broke RFC 6455; the connection is closed with <see cref="CloseCode"/>.</summary>
internal sealed class WebSocketProtocolException(int closeCode, string message) : Exception(message)
{
    public int CloseCode { get; } = closeCode;
}
