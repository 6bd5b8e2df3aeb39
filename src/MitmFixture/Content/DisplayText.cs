using System.Globalization;
using System.Text;

namespace MitmFixture.Content;

/// <summary>Makes one line of body text safe to draw: tabs expanded, invisible or terminal-moving characters escaped.</summary>
internal static class DisplayText
{
    /// <summary>Tab stops every 4 columns: the flow view is a narrow pane and bodies are mostly code or data.</summary>
    public const int TabWidth = 4;

    /// <summary>
    /// Longer lines are cut: a minified 5 MB script is one line, and <c>maxLines</c> alone would not
    /// bound what the UI has to lay out. The Hex view still shows every byte.
    /// </summary>
    public const int MaxLineLength = 10_000;

    public static string Sanitize(string line)
    {
        if (!NeedsWork(line))
        {
            return line;
        }

        var text = new StringBuilder(Math.Min(line.Length + 16, MaxLineLength + 64));
        var i = 0;
        for (; i < line.Length && text.Length < MaxLineLength; i++)
        {
            var c = line[i];
            if (c == '\t')
            {
                text.Append(' ', TabWidth - (text.Length % TabWidth));
            }
            else if (char.IsHighSurrogate(c) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]))
            {
                text.Append(c).Append(line[++i]); // a pair is never split, so a cut cannot leave half of one
            }
            else if (MustEscape(c))
            {
                text.Append(c <= 0xFF ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }

        if (i < line.Length)
        {
            text.Append(" [… line cut at ").Append(MaxLineLength).Append(" characters]");
        }

        return text.ToString();
    }

    private static bool NeedsWork(string line)
    {
        if (line.Length > MaxLineLength)
        {
            return true;
        }

        if (!line.AsSpan().ContainsAnyExceptInRange(' ', '~'))
        {
            return false; // printable ASCII, the usual method, URL and reason: one vectorised scan
        }

        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsHighSurrogate(c) && i + 1 < line.Length && char.IsLowSurrogate(line[i + 1]))
            {
                i++; // a pair is a character outside the BMP (emoji): fine as it is
            }
            else if (c == '\t' || MustEscape(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// C0/C1 controls and DEL, line/paragraph separators, lone surrogates, and the bidi controls
    /// that can make a terminal line read differently from its bytes (CVE-2021-42574, "Trojan Source").
    /// </summary>
    private static bool MustEscape(char c) =>
        char.IsControl(c)
        || char.IsSurrogate(c)
        || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069')
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
}
