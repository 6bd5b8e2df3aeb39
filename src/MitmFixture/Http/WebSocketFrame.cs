using System.Buffers;
using System.Buffers.Binary;

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
        if (!reader.TryRead(out var b0) || !reader.TryRead(out var b1))
        {
            return Rewind(ref reader, start);
        }

        if ((b0 & 0x70) != 0)
        {
            throw new WebSocketProtocolException(1002, "reserved bits set without a negotiated extension");
        }

        var opcode = (WebSocketOpcode)(b0 & 0x0F);
        if (opcode is not (WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong))
        {
            throw new WebSocketProtocolException(1002, $"unknown opcode 0x{(byte)opcode:x}");
        }

        var fin = (b0 & 0x80) != 0;
        var masked = (b1 & 0x80) != 0;
        if (masked != expectMasked)
        {
            throw new WebSocketProtocolException(1002, expectMasked ? "client frame not masked" : "server frame masked");
        }

        long length = b1 & 0x7F;
        if (length == 126)
        {
            if (!reader.TryReadBigEndian(out short l16))
            {
                return Rewind(ref reader, start);
            }

            length = (ushort)l16;
        }
        else if (length == 127)
        {
            if (!reader.TryReadBigEndian(out long l64))
            {
                return Rewind(ref reader, start);
            }

            length = l64;
        }

        var control = ((byte)opcode & 0x8) != 0;
        if (control && (length > 125 || !fin))
        {
            throw new WebSocketProtocolException(1002, "control frame fragmented or longer than 125 bytes");
        }

        if (length < 0 || length > maxPayload)
        {
            throw new WebSocketProtocolException(1009, $"frame of {length} bytes exceeds the {maxPayload}-byte limit");
        }

        Span<byte> mask = stackalloc byte[4];
        if (masked && !reader.TryCopyTo(mask))
        {
            return Rewind(ref reader, start);
        }

        if (masked)
        {
            reader.Advance(4);
        }

        if (reader.Remaining < length)
        {
            return Rewind(ref reader, start);
        }

        var payload = new byte[length];
        reader.UnreadSequence.Slice(0, length).CopyTo(payload);
        reader.Advance(length);
        if (masked)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                payload[i] ^= mask[i & 3];
            }
        }

        frame = new WebSocketFrame(fin, opcode, payload);
        return true;
    }

    /// <summary>Writes a frame; frames to the server are masked with a fresh key (RFC 6455 §5.3).</summary>
    public static void Write(IBufferWriter<byte> output, bool fin, WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool mask)
    {
        var header = output.GetSpan(14);
        header[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        var maskBit = mask ? 0x80 : 0;
        int used;
        if (payload.Length < 126)
        {
            header[1] = (byte)(maskBit | payload.Length);
            used = 2;
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)payload.Length);
            used = 4;
        }
        else
        {
            header[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteInt64BigEndian(header[2..], payload.Length);
            used = 10;
        }

        Span<byte> key = stackalloc byte[4];
        if (mask)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(key);
            key.CopyTo(header[used..]);
            used += 4;
        }

        output.Advance(used);
        if (!mask)
        {
            Http1Writer.Write(output, payload);
            return;
        }

        var remaining = payload;
        var offset = 0;
        while (!remaining.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(remaining.Length, 16 * 1024));
            var n = Math.Min(span.Length, remaining.Length);
            for (var i = 0; i < n; i++)
            {
                span[i] = (byte)(remaining[i] ^ key[(offset + i) & 3]);
            }

            output.Advance(n);
            remaining = remaining[n..];
            offset += n;
        }
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
        // A control frame carries at most 125 bytes: 2 for the code, 123 for the reason, cut on a character boundary.
        while (System.Text.Encoding.UTF8.GetByteCount(reason) > 123)
        {
            reason = reason[..^1];
        }

        var text = System.Text.Encoding.UTF8.GetBytes(reason);
        var payload = new byte[2 + text.Length];
        payload[0] = (byte)(code >> 8);
        payload[1] = (byte)code;
        text.CopyTo(payload, 2);
        Write(output, true, WebSocketOpcode.Close, payload, mask);
    }

    private static bool Rewind(ref SequenceReader<byte> reader, SequencePosition start)
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
