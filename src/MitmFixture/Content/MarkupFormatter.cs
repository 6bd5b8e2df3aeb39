using System.Text;

namespace MitmFixture.Content;

/// <summary>
/// Lays tokens out one element per line, indented by nesting. Only whitespace changes: a short
/// <c>&lt;b&gt;text&lt;/b&gt;</c> stays on one line, text blocks keep their own relative indentation,
/// and an end tag without a start tag changes nothing.
/// </summary>
internal static class MarkupFormatter
{
    private const int IndentWidth = 2;

    /// <summary>Nesting deeper than this is not indented further, so broken markup cannot push text off screen.</summary>
    private const int MaxIndentLevels = 32;

    /// <summary>
    /// Elements opened deeper than this are not tracked (mitmproxy stops at 16): it bounds the
    /// search for an end tag's start tag, which unclosed tags would otherwise make quadratic.
    /// </summary>
    private const int MaxOpenElements = 256;

    /// <summary>Children of these are not indented: every page is wrapped in &lt;html&gt; and nobody needs that level.</summary>
    private static readonly HashSet<string> NotIndenting = ["html"];

    /// <summary>
    /// A start tag of the key closes an open element named in the value first: the end tags HTML
    /// lets authors leave out (HTML §13.1.2.4), so a list without &lt;/li&gt; does not drift right.
    /// </summary>
    private static readonly Dictionary<string, string[]> ImplicitlyCloses = new()
    {
        ["li"] = ["li"],
        ["p"] = ["p"],
        ["dt"] = ["dt", "dd"],
        ["dd"] = ["dt", "dd"],
        ["tr"] = ["tr", "td", "th"],
        ["td"] = ["td", "th"],
        ["th"] = ["td", "th"],
        ["option"] = ["option"],
    };

    public static void Format(IReadOnlyList<MarkupToken> tokens, LineCollector lines)
    {
        var open = new OpenElements();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            switch (token.Kind)
            {
                case MarkupTokenKind.StartTag:
                    if (ImplicitlyCloses.TryGetValue(token.Name, out var closes))
                    {
                        open.PopWhileTopIsOneOf(closes);
                    }

                    if (InlineElementLength(tokens, i) is { } length)
                    {
                        var middle = length == 3 ? tokens[i + 1].Text.Trim() : "";
                        lines.Add(open.Indent, OneLine(token.Text), middle, OneLine(tokens[i + length - 1].Text));
                        i += length - 1;
                        break;
                    }

                    lines.Add(open.Indent, OneLine(token.Text));
                    open.Push(token.Name);
                    break;
                case MarkupTokenKind.EndTag:
                    open.PopTo(token.Name);
                    lines.Add(open.Indent, OneLine(token.Text));
                    break;
                case MarkupTokenKind.EmptyTag:
                    lines.Add(open.Indent, OneLine(token.Text));
                    break;
                default:
                    AddBlock(token.Text, open.Indent, lines);
                    break;
            }
        }
    }

    /// <summary>How many tokens from a start tag make one short line: <c>&lt;b&gt;&lt;/b&gt;</c> (2), <c>&lt;b&gt;one line&lt;/b&gt;</c> (3), else null.</summary>
    private static int? InlineElementLength(IReadOnlyList<MarkupToken> tokens, int start)
    {
        bool ClosesAt(int index) =>
            index < tokens.Count && tokens[index].Kind == MarkupTokenKind.EndTag && tokens[index].Name == tokens[start].Name;

        if (ClosesAt(start + 1))
        {
            return 2;
        }

        var next = start + 1 < tokens.Count ? tokens[start + 1] : default;
        // Any line break in the text, even around it, means the author laid it out over lines (as mitmproxy decides).
        return next.Kind is MarkupTokenKind.Text or MarkupTokenKind.RawText && next.Text is { } text && !text.Contains('\n') && ClosesAt(start + 2)
            ? 3
            : null;
    }

    /// <summary>A tag written over several lines (one attribute per line) becomes one line.</summary>
    private static string OneLine(string tag)
    {
        if (!tag.Contains('\n') && !tag.Contains('\r'))
        {
            return tag;
        }

        var text = new StringBuilder(tag.Length);
        foreach (var c in tag)
        {
            if (!char.IsWhiteSpace(c))
            {
                text.Append(c);
            }
            else if (text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }

        return text.ToString();
    }

    /// <summary>Text, comments and scripts: their non-blank lines, common leading whitespace removed, at the current indentation.</summary>
    private static void AddBlock(string text, string indent, LineCollector lines)
    {
        if (lines.IsFull)
        {
            lines.Omit(CountNonBlankLines(text)); // past the limit only the count matters
            return;
        }

        var blockLines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0).ToList();
        var common = blockLines.Count == 0 ? 0 : blockLines.Min(l => l.Length - l.TrimStart().Length);
        foreach (var line in blockLines)
        {
            lines.Add(indent, line[common..]);
        }
    }

    private static int CountNonBlankLines(ReadOnlySpan<char> text)
    {
        var count = 0;
        foreach (var range in text.Split('\n'))
        {
            if (!text[range].IsWhiteSpace())
            {
                count++;
            }
        }

        return count;
    }

    private static readonly string[] Indents = [.. Enumerable.Range(0, MaxIndentLevels + 1).Select(level => new string(' ', level * IndentWidth))];

    /// <summary>The open elements and the indentation they give.</summary>
    private sealed class OpenElements
    {
        private readonly List<(string Name, bool Indents)> _stack = [];
        private int _levels;

        public string Indent { get; private set; } = "";

        public void Push(string name)
        {
            if (_stack.Count >= MaxOpenElements)
            {
                return;
            }

            var indents = !NotIndenting.Contains(name);
            _stack.Add((name, indents));
            Update(indents ? 1 : 0);
        }

        /// <summary>Closes <paramref name="name"/> and whatever was left open inside it; nothing when it is not open.</summary>
        public void PopTo(string name)
        {
            var at = _stack.FindLastIndex(e => e.Name == name);
            while (at >= 0 && _stack.Count > at)
            {
                Pop();
            }
        }

        public void PopWhileTopIsOneOf(string[] names)
        {
            while (_stack.Count > 0 && names.Contains(_stack[^1].Name))
            {
                Pop();
            }
        }

        private void Pop()
        {
            var indents = _stack[^1].Indents;
            _stack.RemoveAt(_stack.Count - 1);
            Update(indents ? -1 : 0);
        }

        private void Update(int change)
        {
            _levels += change;
            Indent = Indents[Math.Min(_levels, MaxIndentLevels)];
        }
    }
}
