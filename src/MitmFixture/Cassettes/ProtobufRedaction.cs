namespace MitmFixture.Cassettes;

/// <summary>
/// Redacts a message in protobuf's wire format (a gRPC message) field by field, so it stays valid:
/// a secret replaced by a placeholder of another length inside a string field would otherwise leave
/// that field's length prefix, and those of the messages around it, wrong, and the replayed message
/// would not parse. Length-delimited fields that parse as messages are walked into; the others are
/// leaves, scrubbed whole and written back with their new length. Schema-free: a leaf only has to be
/// a byte range, which is all the wire format says.
/// </summary>
internal static class ProtobufRedaction
{
    private const int MaxDepth = 32;

    /// <summary>
    /// <paramref name="message"/> with each leaf run through <paramref name="scrubLeaf"/> (null when a
    /// leaf holds no secret), or null when nothing changed or the bytes are not a protobuf message.
    /// </summary>
    public static byte[]? Scrub(byte[] message, Func<byte[], byte[]?> scrubLeaf)
    {
        var output = new List<byte>(message.Length + 64);
        return TryScrub(message, scrubLeaf, output, 0, out var changed) && changed ? [.. output] : null;
    }

    private static bool TryScrub(ReadOnlySpan<byte> message, Func<byte[], byte[]?> scrubLeaf, List<byte> output, int depth, out bool changed)
    {
        changed = false;
        var at = 0;
        while (at < message.Length)
        {
            var fieldStart = at;
            if (!TryReadVarint(message, ref at, out var tag) || tag >> 3 == 0)
            {
                return false;
            }

            var tagEnd = at;
            switch (tag & 0x7)
            {
                case 0: // varint
                    if (!TryReadVarint(message, ref at, out _))
                    {
                        return false;
                    }

                    break;
                case 1: // 64-bit
                    at += 8;
                    break;
                case 5: // 32-bit
                    at += 4;
                    break;
                case 2: // length-delimited: a string, bytes, a nested message or a packed list
                    if (!TryReadVarint(message, ref at, out var length) || length > (ulong)(message.Length - at))
                    {
                        return false;
                    }

                    var content = message.Slice(at, (int)length);
                    at += (int)length;
                    var replaced = ScrubContent(content, scrubLeaf, depth);
                    if (replaced is null)
                    {
                        break;
                    }

                    changed = true;
                    AddRange(output, message[fieldStart..tagEnd]);
                    WriteVarint(output, (ulong)replaced.Length);
                    output.AddRange(replaced);
                    continue;
                default: // groups (deprecated) and invalid wire types: not a message this reader takes
                    return false;
            }

            if (at > message.Length)
            {
                return false;
            }

            AddRange(output, message[fieldStart..at]);
        }

        return true;
    }

    /// <summary>A length-delimited field's new content, or null when it holds no secret.</summary>
    private static byte[]? ScrubContent(ReadOnlySpan<byte> content, Func<byte[], byte[]?> scrubLeaf, int depth)
    {
        if (depth < MaxDepth && content.Length > 0)
        {
            var nested = new List<byte>(content.Length);
            if (TryScrub(content, scrubLeaf, nested, depth + 1, out var changed))
            {
                return changed ? [.. nested] : null;
            }
        }

        return scrubLeaf(content.ToArray());
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= data.Length)
            {
                return false;
            }

            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }

    private static void WriteVarint(List<byte> output, ulong value)
    {
        while (value >= 0x80)
        {
            output.Add((byte)(value | 0x80));
            value >>= 7;
        }

        output.Add((byte)value);
    }

    private static void AddRange(List<byte> output, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            output.Add(b);
        }
    }
}
