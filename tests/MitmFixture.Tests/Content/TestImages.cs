using System.Buffers.Binary;
using System.Text;

namespace MitmFixture.Tests.Content;

/// <summary>
/// The smallest byte sequences each format's header reader accepts, built field by field (only
/// headers: the views never look at pixels, so there are none and checksums are zero).
/// </summary>
internal static class TestImages
{
    public static byte[] Png(uint width, uint height, params (string Keyword, string Text)[] texts)
    {
        var png = new List<byte>([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 6; // RGB with alpha
        AddChunk(png, "IHDR", header);
        foreach (var (keyword, text) in texts)
        {
            AddChunk(png, "tEXt", [.. Encoding.Latin1.GetBytes(keyword), 0, .. Encoding.Latin1.GetBytes(text)]);
        }

        AddChunk(png, "IEND", []);
        return [.. png];
    }

    public static byte[] Gif(ushort width, ushort height, int frames, string? comment = null)
    {
        var gif = new List<byte>(Encoding.ASCII.GetBytes("GIF89a"));
        gif.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0]); // global table of 2 colours
        gif.AddRange(new byte[6]);
        gif.AddRange([0x21, 0xFF, 11, .. Encoding.ASCII.GetBytes("NETSCAPE2.0"), 3, 1, 0, 0, 0]);
        if (comment is not null)
        {
            gif.AddRange([0x21, 0xFE, (byte)comment.Length, .. Encoding.ASCII.GetBytes(comment), 0]);
        }

        for (var i = 0; i < frames; i++)
        {
            gif.AddRange([0x2C, 0, 0, 0, 0, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0]);
            gif.AddRange([2, 2, 0x4C, 0x01, 0]); // LZW minimum code size, one sub-block, terminator
        }

        gif.Add(0x3B);
        return [.. gif];
    }

    public static byte[] Jpeg(ushort width, ushort height, bool progressive = false, string? comment = null)
    {
        var jpeg = new List<byte> { 0xFF, 0xD8 };
        AddSegment(jpeg, 0xE0, [.. "JFIF\0"u8, 1, 2, 0, 0, 1, 0, 1, 0, 0]);
        if (comment is not null)
        {
            AddSegment(jpeg, 0xFE, Encoding.ASCII.GetBytes(comment));
        }

        AddSegment(jpeg, progressive ? (byte)0xC2 : (byte)0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        jpeg.AddRange([0xFF, 0xDA, 0, 2, 0xFF, 0xD9]);
        return [.. jpeg];
    }

    public static byte[] WebPLossy(ushort width, ushort height) =>
        Riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A, (byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8)]);

    public static byte[] WebPLossless(int width, int height)
    {
        var bits = (uint)(width - 1) | ((uint)(height - 1) << 14) | (1u << 28);
        var chunk = new byte[10];
        chunk[0] = 0x2F;
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(1), bits);
        return Riff("VP8L", chunk);
    }

    public static byte[] WebPExtended(int width, int height, byte flags) =>
        Riff("VP8X", [flags, 0, 0, 0, (byte)(width - 1), (byte)((width - 1) >> 8), (byte)((width - 1) >> 16), (byte)(height - 1), (byte)((height - 1) >> 8), (byte)((height - 1) >> 16)]);

    public static byte[] Bmp(int width, int height, ushort bitsPerPixel = 24)
    {
        var bmp = new byte[54];
        "BM"u8.CopyTo(bmp);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(2), (uint)bmp.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(10), 54);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bmp.AsSpan(22), height);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(26), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(bmp.AsSpan(28), bitsPerPixel);
        return bmp;
    }

    /// <summary>An icon holding one PNG image per size (0 stands for 256, as in the format).</summary>
    public static byte[] Ico(params byte[] sizes)
    {
        var directory = 6 + (16 * sizes.Length);
        var images = sizes.Select(s => Png(s == 0 ? 256u : s, s == 0 ? 256u : s)).ToList();
        var ico = new List<byte> { 0, 0, 1, 0, (byte)sizes.Length, 0 };
        var offset = directory;
        for (var i = 0; i < sizes.Length; i++)
        {
            var entry = new byte[16];
            entry[0] = entry[1] = sizes[i];
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt16LittleEndian(entry.AsSpan(6), 32);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(8), (uint)images[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(entry.AsSpan(12), (uint)offset);
            ico.AddRange(entry);
            offset += images[i].Length;
        }

        images.ForEach(ico.AddRange);
        return [.. ico];
    }

    private static void AddChunk(List<byte> png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
        png.AddRange([.. length, .. Encoding.ASCII.GetBytes(type), .. data, 0, 0, 0, 0]);
    }

    private static void AddSegment(List<byte> jpeg, byte marker, byte[] data) =>
        jpeg.AddRange([0xFF, marker, (byte)((data.Length + 2) >> 8), (byte)(data.Length + 2), .. data]);

    private static byte[] Riff(string chunkType, byte[] chunk)
    {
        var riff = new List<byte>([.. "RIFF"u8, 0, 0, 0, 0, .. "WEBP"u8, .. Encoding.ASCII.GetBytes(chunkType), (byte)chunk.Length, 0, 0, 0, .. chunk]);
        BinaryPrimitives.WriteUInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(riff)[4..], (uint)(riff.Count - 8));
        return [.. riff];
    }
}
