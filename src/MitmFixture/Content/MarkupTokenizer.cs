namespace MitmFixture.Content;

/// <summary>
/// Splits any text into tags and text without ever failing: a '&lt;' that does not start a tag
/// is text, an unterminated tag or comment runs to the end. Not an HTML parser (no entities, no
/// tree building): just enough structure to indent by.
/// </summary>
internal static class MarkupTokenizer
{
    /// <summary>HTML's raw text and escapable raw text elements (HTML §13.1.2): their content is not markup.</summary>
    private static readonly HashSet<string> RawTextElements = ["script", "style", "textarea", "title"];

    /// <summary>HTML's void elements (HTML §13.1.2): they never have an end tag.</summary>
    private static readonly HashSet<string> VoidElements =
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr"];

    public static List<MarkupToken> Tokenize(string text)
    {
        var tokens = new List<MarkupToken>();
        var textStart = 0;
        var i = 0;
        while ((i = text.IndexOf('<', i)) >= 0)
        {
            if (ReadMarkup(text, i) is not { } markup)
            {
                i++;
                continue;
            }

            AddText(tokens, MarkupTokenKind.Text, text, textStart, i);
            tokens.Add(markup.Token);
            i = textStart = markup.End;
            if (markup.Token.Kind == MarkupTokenKind.StartTag && RawTextElements.Contains(markup.Token.Name))
            {
                var close = text.IndexOf("</" + markup.Token.Name, i, StringComparison.OrdinalIgnoreCase);
                close = close < 0 ? text.Length : close;
                AddText(tokens, MarkupTokenKind.RawText, text, i, close);
                i = textStart = close;
            }
        }

        AddText(tokens, MarkupTokenKind.Text, text, textStart, text.Length);
        return tokens;
    }

    /// <summary>Text between <paramref name="start"/> and <paramref name="end"/> as a token, unless it is only the whitespace between tags.</summary>
    private static void AddText(List<MarkupToken> tokens, MarkupTokenKind kind, string text, int start, int end)
    {
        if (!text.AsSpan(start, end - start).IsWhiteSpace())
        {
            tokens.Add(new MarkupToken(kind, text[start..end]));
        }
    }

    /// <summary>The markup starting at <paramref name="start"/> (a '&lt;') and where it ends, or null when the '&lt;' is just text.</summary>
    private static (MarkupToken Token, int End)? ReadMarkup(string text, int start)
    {
        var rest = text.AsSpan(start);
        if (rest.StartsWith("<!--"))
        {
            return Special(text, start, EndAfter(text, start + 4, "-->"));
        }

        if (rest.StartsWith("<![CDATA["))
        {
            return Special(text, start, EndAfter(text, start + 9, "]]>"));
        }

        if (rest.StartsWith("<!") || rest.StartsWith("<?"))
        {
            return Special(text, start, EndAfter(text, start + 2, ">"));
        }

        var closing = rest.StartsWith("</");
        var nameStart = start + (closing ? 2 : 1);
        if (nameStart >= text.Length || !char.IsAsciiLetter(text[nameStart]))
        {
            return null;
        }

        var nameEnd = nameStart;
        while (nameEnd < text.Length && IsNameChar(text[nameEnd]))
        {
            nameEnd++;
        }

        var name = text[nameStart..nameEnd].ToLowerInvariant();
        var end = closing ? EndAfter(text, nameEnd, ">") : EndOfStartTag(text, nameEnd);
        var tag = text[start..end];
        var kind = closing ? MarkupTokenKind.EndTag
            : tag.EndsWith("/>", StringComparison.Ordinal) || VoidElements.Contains(name) ? MarkupTokenKind.EmptyTag
            : MarkupTokenKind.StartTag;
        return (new MarkupToken(kind, tag, name), end);
    }

    private static (MarkupToken, int) Special(string text, int start, int end) =>
        (new MarkupToken(MarkupTokenKind.Special, text[start..end]), end);

    /// <summary>Just past the next <paramref name="terminator"/>, or the end of the text when there is none.</summary>
    private static int EndAfter(string text, int from, string terminator)
    {
        var at = text.IndexOf(terminator, Math.Min(from, text.Length), StringComparison.Ordinal);
        return at < 0 ? text.Length : at + terminator.Length;
    }

    /// <summary>
    /// The '&gt;' that closes a start tag, skipping quoted attribute values (<c>title="a&gt;b"</c>).
    /// A quote not right after '=' is taken literally, and an unclosed one is ignored, so broken
    /// attributes cost at most a misplaced line break.
    /// </summary>
    private static int EndOfStartTag(string text, int from)
    {
        var previous = ' ';
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '>')
            {
                return i + 1;
            }

            if (c is '"' or '\'' && previous == '=')
            {
                var close = text.IndexOf(c, i + 1);
                if (close >= 0)
                {
                    i = close;
                }
            }

            if (!char.IsWhiteSpace(c))
            {
                previous = c;
            }
        }

        return text.Length;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ':' or '.';
}
