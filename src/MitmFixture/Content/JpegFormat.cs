using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MitmFixture.Content;

/// <summary>JPEG (ITU T.81 Annex B): walks the marker segments up to the scan for the frame header, JFIF, EXIF and comments.</summary>
internal static class JpegFormat
{
    private const byte StartOfScan = 0xDA;
    private const byte EndOfImage = 0xD9;
    private const byte Comment = 0xFE;
    private const byte App0 = 0xE0;
    private const byte App1 = 0xE1;

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF)
        {
            return null;
        }

        var details = new List<KeyValuePair<string, string>>();
        (long Width, long Height)? size = null;
        var position = 2;
        while (position + 4 <= data.Length && data[position] == 0xFF)
        {
            var marker = data[position + 1];
            if (marker == 0xFF)
            {
                position++; // fill byte
                continue;
            }

            if (marker is StartOfScan or EndOfImage)
            {
                break;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                position += 2; // markers without a segment
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(position + 2)..]);
            if (length < 2 || position + 2 + length > data.Length)
            {
                break;
            }

            var segment = data.Slice(position + 4, length - 2);
            if (IsStartOfFrame(marker) && segment.Length >= 6)
            {
                size ??= (BinaryPrimitives.ReadUInt16BigEndian(segment[3..]), BinaryPrimitives.ReadUInt16BigEndian(segment[1..]));
                details.Add(new("Process", Process(marker)));
                details.Add(new("Precision", $"{segment[0]} bits"));
                details.Add(new("Components", Components(segment[5])));
            }
            else if (marker == App0 && segment.StartsWith("JFIF\0"u8) && segment.Length >= 7)
            {
                details.Add(new("JFIF version", $"{segment[5]}.{segment[6]:00}"));
            }
            else if (marker == App1 && segment.StartsWith("Exif\0\0"u8))
            {
                details.Add(new("EXIF", $"{segment.Length - 6} bytes"));
            }
            else if (marker == Comment)
            {
                details.Add(new("Comment", Encoding.Latin1.GetString(segment)));
            }

            position += 2 + length;
        }

        return size is { } found ? new ImageInfo("JPEG", found.Width, found.Height, details) : null;
    }

    /// <summary>SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.</summary>
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);

    private static string Process(byte marker) => marker switch
    {
        0xC0 => "baseline",
        0xC1 => "extended sequential",
        0xC2 => "progressive",
        0xC3 => "lossless",
        _ => $"SOF{marker - 0xC0}",
    };

    private static string Components(byte count) => count switch
    {
        1 => "1 (grayscale)",
        3 => "3 (YCbCr)",
        4 => "4 (CMYK)",
        _ => count.ToString(CultureInfo.InvariantCulture),
    };
}
