using System.Buffers.Binary;
using System.Globalization;

namespace MitmFixture.Content;

/// <summary>Windows bitmaps: the "BM" file header, then the OS/2 core header or a BITMAPINFOHEADER or later.</summary>
internal static class BmpFormat
{
    private const int InfoHeaderStart = 14;

    /// <summary>The DIB header sizes that exist; "BM" alone is too weak a magic to trust for sniffing.</summary>
    private static readonly HashSet<uint> KnownHeaderSizes = [12, 16, 40, 52, 56, 64, 108, 124];

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < InfoHeaderStart + 12 || !data.StartsWith("BM"u8))
        {
            return null;
        }

        var headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data[InfoHeaderStart..]);
        if (!KnownHeaderSizes.Contains(headerSize))
        {
            return null;
        }

        if (headerSize == 12)
        {
            // BITMAPCOREHEADER: 16-bit width and height, planes, bit count.
            return new ImageInfo(
                "BMP",
                BinaryPrimitives.ReadUInt16LittleEndian(data[18..]),
                BinaryPrimitives.ReadUInt16LittleEndian(data[20..]),
                [new("Header", "OS/2 (12 bytes)"), new("Bits per pixel", BinaryPrimitives.ReadUInt16LittleEndian(data[24..]).ToString(CultureInfo.InvariantCulture))]);
        }

        if (data.Length < InfoHeaderStart + 20)
        {
            return null;
        }

        // BITMAPINFOHEADER and later: signed 32-bit width and height (negative height: stored top-down).
        long width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        long height = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
        var bitCount = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        var compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        return new ImageInfo(
            "BMP",
            Math.Abs(width),
            Math.Abs(height),
            [
                new("Header", $"{headerSize} bytes"),
                new("Bits per pixel", bitCount.ToString(CultureInfo.InvariantCulture)),
                new("Compression", Compression(compression)),
                new("Row order", height < 0 ? "top-down" : "bottom-up"),
            ]);
    }

    private static string Compression(uint method) => method switch
    {
        0 => "none",
        1 => "RLE8",
        2 => "RLE4",
        3 => "bit fields",
        4 => "JPEG",
        5 => "PNG",
        6 => "alpha bit fields",
        _ => $"unknown ({method})",
    };
}
