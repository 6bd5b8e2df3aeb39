using System.Text;
using System.Text.Unicode;

namespace MitmFixture.Content;

/// <summary>
/// The bytes as they are, split on LF only: each line is UTF-8 when it is valid UTF-8, else
/// Latin-1, so every byte shows up as something. Carriage returns stay visible (<c>\x0d</c>)
/// because "raw" is where one checks for them; tabs are still expanded.
/// </summary>
internal static class RawView
{
    public const string Name = "Raw";

    public static void Render(ReadOnlySpan<byte> body, LineCollector lines)
    {
        // Splitting bytes on 0x0A is safe for UTF-8: it never occurs inside a multi-byte sequence.
        var rest = body;
        while (!rest.IsEmpty)
        {
            if (lines.IsFull)
            {
                lines.Omit(rest.Count((byte)'\n') + (rest[^1] == '\n' ? 0 : 1));
                return;
            }

            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            lines.Add(Utf8.IsValid(line) ? Encoding.UTF8.GetString(line) : Encoding.Latin1.GetString(line));
            rest = end < 0 ? [] : rest[(end + 1)..];
        }
    }
}
