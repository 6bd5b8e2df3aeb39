using System.Buffers.Binary;
using System.Globalization;

namespace MitmFixture.Content;

/// <summary>
/// Windows icons and cursors: a directory of images. Its magic (00 00 01 00) is weak, so the
/// directory must be plausible too: reserved bytes zero, every image inside the data.
/// </summary>
internal static class IcoFormat
{
    private const int HeaderLength = 6;
    private const int EntryLength = 16;

    /// <summary>An icon file with hundreds of images exists only as a fuzzing artefact; list this many.</summary>
    private const int MaxListedImages = 32;

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength + EntryLength || data[0] != 0 || data[1] != 0 || data[2] is not (1 or 2) || data[3] != 0)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
        var directoryEnd = HeaderLength + (count * EntryLength);
        if (count == 0 || directoryEnd > data.Length)
        {
            return null;
        }

        var details = new List<KeyValuePair<string, string>> { new("Images", count.ToString(CultureInfo.InvariantCulture)) };
        (int Width, int Height) largest = (0, 0);
        for (var i = 0; i < count; i++)
        {
            var entry = data.Slice(HeaderLength + (i * EntryLength), EntryLength);
            var offset = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            if (entry[3] != 0 || offset < directoryEnd || offset > data.Length || size > data.Length - offset)
            {
                return null;
            }

            // A stored 0 means 256 pixels.
            var (width, height) = (entry[0] == 0 ? 256 : entry[0], entry[1] == 0 ? 256 : entry[1]);
            if (width * height > largest.Width * largest.Height)
            {
                largest = (width, height);
            }

            if (i < MaxListedImages)
            {
                var png = data[(int)offset..].StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G']) ? ", PNG" : "";
                // Bytes 4-7 are planes and bit count in an icon, the hotspot in a cursor.
                var (first, second) = (BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]), BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]));
                var about = data[2] == 1 ? $"{second} bits per pixel" : $"hotspot {first},{second}";
                details.Add(new($"Image {i + 1}", $"{width}x{height}, {about}{png}"));
            }
        }

        return new ImageInfo(data[2] == 1 ? "ICO" : "CUR", largest.Width, largest.Height, details);
    }
}
