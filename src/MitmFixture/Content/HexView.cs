using System.Text;

namespace MitmFixture.Content;

/// <summary>
/// mitmproxy's hexdump: a 10-digit hex offset, 16 bytes as hex pairs, then those bytes as ASCII
/// with '.' for anything unprintable, e.g. <c>0000000000 48 69 0a   Hi.</c>
/// </summary>
internal static class HexView
{
    public const string Name = "Hex";

    private const int BytesPerLine = 16;

    /// <summary>Wide enough for 16 pairs and their separators, so the ASCII column lines up on a short last line.</summary>
    private const int HexColumnWidth = (BytesPerLine * 3) - 1;

    public static void Render(ReadOnlySpan<byte> body, LineCollector lines)
    {
        var totalLines = (body.Length + BytesPerLine - 1) / BytesPerLine;
        var line = new StringBuilder(10 + 1 + HexColumnWidth + 3 + BytesPerLine);
        for (var index = 0; index < totalLines; index++)
        {
            if (lines.IsFull)
            {
                lines.Omit(totalLines - index);
                return;
            }

            var offset = index * BytesPerLine;
            var chunk = body.Slice(offset, Math.Min(BytesPerLine, body.Length - offset));
            line.Clear().Append($"{offset:x10} ");
            var hexStart = line.Length;
            for (var i = 0; i < chunk.Length; i++)
            {
                line.Append(i == 0 ? "" : " ").Append($"{chunk[i]:x2}");
            }

            line.Append(' ', hexStart + HexColumnWidth - line.Length).Append("   ");
            foreach (var b in chunk)
            {
                line.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
            }

            lines.Add(line.ToString());
        }
    }
}
