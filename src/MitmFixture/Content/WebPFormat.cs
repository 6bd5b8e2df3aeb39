using System.Buffers.Binary;

namespace MitmFixture.Content;

/// <summary>WebP (RFC 9649): a RIFF container whose first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended).</summary>
internal static class WebPFormat
{
    /// <summary>"RIFF", size, "WEBP", then the first chunk's type and size: its data starts here.</summary>
    private const int ChunkData = 20;

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < ChunkData + 10 || !data.StartsWith("RIFF"u8) || !data[8..12].SequenceEqual("WEBP"u8))
        {
            return null;
        }

        var chunk = data[ChunkData..];
        return data[12..16] switch
        {
            var t when t.SequenceEqual("VP8 "u8) => Lossy(chunk),
            var t when t.SequenceEqual("VP8L"u8) => Lossless(chunk),
            var t when t.SequenceEqual("VP8X"u8) => Extended(chunk),
            _ => null,
        };
    }

    /// <summary>RFC 6386 §9.1: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height.</summary>
    private static ImageInfo? Lossy(ReadOnlySpan<byte> chunk)
    {
        if (chunk[3] != 0x9D || chunk[4] != 0x01 || chunk[5] != 0x2A)
        {
            return null;
        }

        return new ImageInfo(
            "WebP",
            BinaryPrimitives.ReadUInt16LittleEndian(chunk[6..]) & 0x3FFF,
            BinaryPrimitives.ReadUInt16LittleEndian(chunk[8..]) & 0x3FFF,
            [new("Compression", "lossy (VP8)")]);
    }

    /// <summary>RFC 9649 §3.7.1: the signature 0x2F, then width-1 and height-1 in 14 bits each and an alpha bit.</summary>
    private static ImageInfo? Lossless(ReadOnlySpan<byte> chunk)
    {
        if (chunk[0] != 0x2F)
        {
            return null;
        }

        var bits = BinaryPrimitives.ReadUInt32LittleEndian(chunk[1..]);
        return new ImageInfo(
            "WebP",
            (bits & 0x3FFF) + 1,
            ((bits >> 14) & 0x3FFF) + 1,
            [new("Compression", "lossless (VP8L)"), new("Alpha", (bits & (1u << 28)) != 0 ? "yes" : "no")]);
    }

    /// <summary>RFC 9649 §3.7.3: feature flags, 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.</summary>
    private static ImageInfo Extended(ReadOnlySpan<byte> chunk)
    {
        var flags = chunk[0];
        var features = new List<string>();
        foreach (var (bit, name) in (ReadOnlySpan<(int, string)>)[(0x02, "animation"), (0x04, "XMP"), (0x08, "EXIF"), (0x10, "alpha"), (0x20, "ICC profile")])
        {
            if ((flags & bit) != 0)
            {
                features.Add(name);
            }
        }

        return new ImageInfo(
            "WebP",
            UInt24(chunk[4..]) + 1,
            UInt24(chunk[7..]) + 1,
            [new("Format", "extended (VP8X)"), new("Features", features.Count == 0 ? "none" : string.Join(", ", features))]);
    }

    private static int UInt24(ReadOnlySpan<byte> bytes) => bytes[0] | (bytes[1] << 8) | (bytes[2] << 16);
}
