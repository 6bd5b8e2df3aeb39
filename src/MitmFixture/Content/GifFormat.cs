using System.Globalization;
using System.Text;

namespace MitmFixture.Content;

/// <summary>GIF87a/89a: the logical screen, then a walk over the blocks to count frames and find comments and looping.</summary>
internal static class GifFormat
{
    private const byte ImageDescriptor = 0x2C;
    private const byte Extension = 0x21;
    private const byte CommentLabel = 0xFE;
    private const byte ApplicationLabel = 0xFF;

    /// <summary>Comments are for a glance; a longer one is cut.</summary>
    private const int MaxCommentBytes = 1024;

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < 13 || !(data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8)))
        {
            return null;
        }

        var details = new List<KeyValuePair<string, string>> { new("Version", Encoding.ASCII.GetString(data[3..6])) };
        var packed = data[10];
        var position = 13;
        if ((packed & 0x80) != 0)
        {
            details.Add(new("Global color table", $"{ColorTableEntries(packed)} colors"));
            position += 3 * ColorTableEntries(packed);
        }

        var frames = 0;
        while (position >= 0 && position < data.Length)
        {
            if (data[position] == ImageDescriptor && position + 10 <= data.Length)
            {
                var local = data[position + 9];
                position += 10 + ((local & 0x80) != 0 ? 3 * ColorTableEntries(local) : 0) + 1; // + LZW minimum code size
                position = SkipSubBlocks(data, position, null);
                frames++;
            }
            else if (data[position] == Extension && position + 2 <= data.Length)
            {
                var label = data[position + 1];
                var content = label is CommentLabel or ApplicationLabel ? new List<byte>() : null;
                position = SkipSubBlocks(data, position + 2, content);
                AddExtension(label, content, details);
            }
            else
            {
                break; // the trailer (0x3B), or bytes that are not a block
            }
        }

        details.Add(new("Frames", frames.ToString(CultureInfo.InvariantCulture)));
        return new ImageInfo("GIF", data[6] | (data[7] << 8), data[8] | (data[9] << 8), details);
    }

    private static int ColorTableEntries(byte packed) => 2 << (packed & 0x07);

    private static void AddExtension(byte label, List<byte>? content, List<KeyValuePair<string, string>> details)
    {
        if (label == CommentLabel && content is { Count: > 0 })
        {
            details.Add(new("Comment", Encoding.Latin1.GetString([.. content])));
        }
        else if (label == ApplicationLabel && content is not null && content.Count >= 11
            && Encoding.ASCII.GetString([.. content.Take(11)]) is "NETSCAPE2.0" or "ANIMEXTS1.0")
        {
            details.Add(new("Looping", "yes"));
        }
    }

    /// <summary>Data sub-blocks: a length byte then that many bytes, until a zero length. -1 when they run past the end.</summary>
    private static int SkipSubBlocks(ReadOnlySpan<byte> data, int position, List<byte>? content)
    {
        while (position < data.Length)
        {
            var size = data[position++];
            if (size == 0)
            {
                return position;
            }

            if (content is not null && content.Count < MaxCommentBytes)
            {
                content.AddRange(data.Slice(position, Math.Min(size, data.Length - position)));
            }

            position += size;
        }

        return -1;
    }
}
