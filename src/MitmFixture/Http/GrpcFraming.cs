using System.Buffers;
using System.Buffers.Binary;

namespace MitmFixture.Http;

/// <summary>
/// gRPC's length-prefixed messages (gRPC over HTTP/2, "Length-Prefixed-Message"): a 1-byte
/// compressed flag, a 4-byte big-endian length, then that many bytes. Parsed without I/O: the
/// relay, the cassette reader and replay all split bodies here.
/// </summary>
internal static class GrpcFraming
{
    /// <summary>The flag byte and the length.</summary>
    public const int PrefixLength = 5;

    /// <summary>
    /// True for <c>application/grpc</c> and <c>application/grpc+proto</c> (any <c>+suffix</c>), whose
    /// bodies are length-prefixed messages. gRPC-Web (<c>application/grpc-web*</c>) is not: its
    /// trailers travel in the body and its text form is base64.
    /// </summary>
    public static bool IsGrpc(string? contentType)
    {
        if (contentType is null)
        {
            return false;
        }

        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        mediaType = (semicolon >= 0 ? mediaType[..semicolon] : mediaType).Trim();
        return mediaType.Equals("application/grpc", StringComparison.OrdinalIgnoreCase) ||
            (mediaType.StartsWith("application/grpc+", StringComparison.OrdinalIgnoreCase) && mediaType.Length > "application/grpc+".Length);
    }

    /// <summary>
    /// Reads one message; false (reader unmoved) when more bytes are needed. A flag other than 0 or 1,
    /// or a length over <paramref name="maxLength"/> (known from the prefix, before the bytes are read),
    /// throws a <see cref="GrpcFramingException"/>.
    /// </summary>
    public static bool TryRead(ref SequenceReader<byte> reader, long maxLength, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (reader.Remaining < PrefixLength)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        reader.TryCopyTo(prefix); // a peek: the reader moves only once the whole message is there
        var flag = prefix[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (flag > 1)
        {
            throw new GrpcFramingException($"the compressed flag is {flag}; expected 0 or 1");
        }

        if (length > maxLength)
        {
            throw new GrpcFramingException($"a message announces {length} bytes, over the {maxLength}-byte limit (body_size_limit)");
        }

        if (reader.Remaining < PrefixLength + length)
        {
            return false;
        }

        reader.Advance(PrefixLength);
        compressed = flag == 1;
        payload = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        return true;
    }

    /// <summary>
    /// Splits a whole body into its messages. A body that ends inside a prefix or a message, or a
    /// message over <paramref name="maxLength"/>, throws a <see cref="GrpcFramingException"/> saying
    /// where.
    /// </summary>
    public static List<(bool Compressed, byte[] Content)> Split(byte[] body, long maxLength)
    {
        var messages = new List<(bool, byte[])>();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(body));
        while (!reader.End)
        {
            var offset = reader.Consumed;
            if (!TryRead(ref reader, maxLength, out var compressed, out var payload))
            {
                throw new GrpcFramingException(reader.Remaining < PrefixLength
                    ? $"the body ends {reader.Remaining} bytes into a 5-byte message prefix at offset {offset}"
                    : $"the message at offset {offset} announces {BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan((int)offset + 1, 4))} bytes but only {reader.Remaining - PrefixLength} follow");
            }

            messages.Add((compressed, payload.ToArray()));
        }

        return messages;
    }

    /// <summary>The 5-byte prefix for a message of <paramref name="length"/> bytes.</summary>
    public static void WritePrefix(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Messages joined back into a body, each with its prefix.</summary>
    public static byte[] Join(IEnumerable<(bool Compressed, byte[] Content)> messages)
    {
        var list = messages as IReadOnlyCollection<(bool Compressed, byte[] Content)> ?? messages.ToList();
        var body = new byte[list.Sum(m => (long)PrefixLength + m.Content.Length)];
        var at = 0;
        foreach (var (compressed, content) in list)
        {
            WritePrefix(body.AsSpan(at), compressed, content.Length);
            content.CopyTo(body.AsSpan(at + PrefixLength));
            at += PrefixLength + content.Length;
        }

        return body;
    }
}

/// <summary>A gRPC body that is not a sequence of length-prefixed messages; the message says where and why.</summary>
internal sealed class GrpcFramingException(string message) : Exception(message);
