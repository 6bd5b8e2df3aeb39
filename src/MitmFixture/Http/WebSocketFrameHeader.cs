using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace MitmFixture.Http;

/// <summary>
/// A WebSocket frame's header (RFC 6455 §5.2): enough to know how many payload bytes follow and how
/// to unmask them, so a large payload can be taken in pieces as it arrives instead of whole.
/// </summary>
/// <param name="MaskKey">The masking key, first key byte in the high byte; 0 with <paramref name="Masked"/> false.</param>
internal readonly record struct WebSocketFrameHeader(bool Fin, WebSocketOpcode Opcode, long Length, bool Masked, uint MaskKey)
{
    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>A header for a frame to send; a frame to the server gets a fresh random key (RFC 6455 §5.3).</summary>
    public static WebSocketFrameHeader Create(bool fin, WebSocketOpcode opcode, long length, bool mask)
    {
        Span<byte> key = stackalloc byte[4];
        if (mask)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(key);
        }

        return new WebSocketFrameHeader(fin, opcode, length, mask, mask ? BinaryPrimitives.ReadUInt32BigEndian(key) : 0);
    }

    /// <summary>
    /// Parses a header without I/O; false (reader unmoved) when more bytes are needed. Violations throw
    /// a <see cref="WebSocketProtocolException"/> with the close code to send: 1002, or 1009 for a
    /// payload over <paramref name="maxPayload"/>, known here before any of it is read.
    /// </summary>
    /// <param name="expectMasked">True for frames from the client, which must be masked (RFC 6455 §5.1).</param>
    public static bool TryParse(ref SequenceReader<byte> reader, bool expectMasked, long maxPayload, out WebSocketFrameHeader header)
    {
        header = default;
        var start = reader.Position;
        if (!reader.TryRead(out var b0) || !reader.TryRead(out var b1))
        {
            return WebSocketFrame.Rewind(ref reader, start);
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
                return WebSocketFrame.Rewind(ref reader, start);
            }

            length = (ushort)l16;
        }
        else if (length == 127)
        {
            if (!reader.TryReadBigEndian(out long l64))
            {
                return WebSocketFrame.Rewind(ref reader, start);
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

        var key = 0;
        if (masked && !reader.TryReadBigEndian(out key))
        {
            return WebSocketFrame.Rewind(ref reader, start);
        }

        header = new WebSocketFrameHeader(fin, opcode, length, masked, (uint)key);
        return true;
    }

    /// <summary>Writes the header (at most 14 bytes).</summary>
    public void Write(IBufferWriter<byte> output)
    {
        var span = output.GetSpan(14);
        span[0] = (byte)((Fin ? 0x80 : 0) | (byte)Opcode);
        var maskBit = Masked ? 0x80 : 0;
        int used;
        if (Length < 126)
        {
            span[1] = (byte)(maskBit | (int)Length);
            used = 2;
        }
        else if (Length <= ushort.MaxValue)
        {
            span[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)Length);
            used = 4;
        }
        else
        {
            span[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteInt64BigEndian(span[2..], Length);
            used = 10;
        }

        if (Masked)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span[used..], MaskKey);
            used += 4;
        }

        output.Advance(used);
    }

    /// <summary>Writes payload bytes that start <paramref name="offset"/> bytes into the frame, masking them if the frame is masked.</summary>
    public void WritePayload(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, long offset)
    {
        if (!Masked)
        {
            Http1Writer.Write(output, payload);
            return;
        }

        while (!payload.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(payload.Length, 16 * 1024));
            var n = Math.Min(span.Length, payload.Length);
            payload[..n].CopyTo(span);
            Unmask(span[..n], offset); // masking and unmasking are the same XOR
            output.Advance(n);
            payload = payload[n..];
            offset += n;
        }
    }

    /// <summary>Undoes (or applies) the mask in place on bytes that start <paramref name="offset"/> bytes into the payload.</summary>
    public void Unmask(Span<byte> bytes, long offset)
    {
        if (!Masked)
        {
            return;
        }

        // Eight bytes at a time: the key turned to start where these bytes do, twice over.
        Span<byte> key = stackalloc byte[8];
        var turned = BitOperations.RotateLeft(MaskKey, (int)(offset & 3) * 8);
        BinaryPrimitives.WriteUInt32BigEndian(key, turned);
        BinaryPrimitives.WriteUInt32BigEndian(key[4..], turned);
        var pattern = MemoryMarshal.Read<ulong>(key);
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        for (var i = 0; i < words.Length; i++)
        {
            words[i] ^= pattern;
        }

        for (var i = words.Length * 8; i < bytes.Length; i++)
        {
            bytes[i] ^= key[i & 3];
        }
    }
}
