using System.Text;

namespace MitmFixture.Filters;

/// <summary>
/// Rewrites the few spellings where Python's <c>re</c> and .NET's <see cref="System.Text.RegularExpressions.Regex"/>
/// disagree, so patterns pasted from mitmproxy docs and answers keep their meaning:
/// <list type="bullet">
/// <item><c>(?P&lt;name&gt;…)</c> → <c>(?&lt;name&gt;…)</c>, <c>(?P=name)</c> → <c>\k&lt;name&gt;</c>.</item>
/// <item><c>\Z</c> (Python: end of input only) → <c>\z</c>; .NET's <c>\Z</c> also stops before a final newline.</item>
/// <item><c>{,n}</c> (Python: 0 to n times) → <c>{0,n}</c>; .NET would read it as literal text.</item>
/// <item>Inline flags <c>a</c>, <c>u</c>, <c>L</c> (ASCII, Unicode, locale), which .NET rejects, are dropped.</item>
/// </list>
/// Everything else is passed through: <c>$</c>, <c>\A</c>, <c>\b</c>, lookarounds, <c>(?i)</c> and
/// <c>(?-i:…)</c> already mean the same. Known remaining differences are listed in docs/filters.md.
/// </summary>
internal static class PythonRegexTranslator
{
    public static string Translate(string pattern)
    {
        if (pattern.AsSpan().IndexOfAny("\\({") < 0)
        {
            return pattern;
        }

        var output = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[i + 1];
                output.Append('\\').Append(!inClass && next == 'Z' ? 'z' : next);
                i++;
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                output.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    output.Append(c);
                    // A ']' right after '[' or '[^' is a literal in both dialects.
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^')
                    {
                        output.Append('^');
                        i++;
                    }

                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        output.Append(']');
                        i++;
                    }

                    break;
                case '(' when Rest(pattern, i).StartsWith("(?P<", StringComparison.Ordinal):
                    output.Append("(?<");
                    i += 3;
                    break;
                case '(' when Rest(pattern, i).StartsWith("(?P=", StringComparison.Ordinal) && pattern.IndexOf(')', i) is var close and > 0:
                    output.Append("\\k<").Append(pattern, i + 4, close - i - 4).Append('>');
                    i = close;
                    break;
                case '(' when TryInlineFlags(pattern, i, out var flags, out var end):
                    output.Append(flags);
                    i = end;
                    break;
                case '{' when TryOpenRepeat(pattern, i, out var max, out var end):
                    output.Append("{0,").Append(max).Append('}');
                    i = end;
                    break;
                default:
                    output.Append(c);
                    break;
            }
        }

        return output.ToString();
    }

    private static ReadOnlySpan<char> Rest(string pattern, int index) => pattern.AsSpan(index);

    /// <summary>Python's <c>{,n}</c> and <c>{,}</c>; <paramref name="end"/> is the index of the closing brace.</summary>
    private static bool TryOpenRepeat(string pattern, int start, out string max, out int end)
    {
        max = "";
        end = start;
        if (start + 1 >= pattern.Length || pattern[start + 1] != ',')
        {
            return false;
        }

        var i = start + 2;
        while (i < pattern.Length && char.IsAsciiDigit(pattern[i]))
        {
            i++;
        }

        if (i >= pattern.Length || pattern[i] != '}')
        {
            return false;
        }

        max = pattern[(start + 2)..i];
        end = i;
        return true;
    }

    /// <summary>
    /// An inline flag group such as <c>(?iu)</c> or <c>(?a:</c>, rewritten without Python's a, u and L
    /// flags; false when the group has none of them, so it is copied unchanged.
    /// </summary>
    private static bool TryInlineFlags(string pattern, int start, out string rewritten, out int end)
    {
        rewritten = "";
        end = start;
        if (start + 2 >= pattern.Length || pattern[start + 1] != '?')
        {
            return false;
        }

        var i = start + 2;
        while (i < pattern.Length && "aiLmsux-".Contains(pattern[i], StringComparison.Ordinal))
        {
            i++;
        }

        if (i == start + 2 || i >= pattern.Length || (pattern[i] != ')' && pattern[i] != ':'))
        {
            return false;
        }

        var flags = pattern[(start + 2)..i];
        if (flags.AsSpan().IndexOfAny("auL") < 0)
        {
            return false;
        }

        var kept = flags.Replace("a", "", StringComparison.Ordinal).Replace("u", "", StringComparison.Ordinal).Replace("L", "", StringComparison.Ordinal);
        if (kept.EndsWith('-'))
        {
            kept = kept[..^1];
        }

        if (pattern[i] == ':')
        {
            rewritten = kept.Length == 0 ? "(?:" : $"(?{kept}:";
        }
        else
        {
            // "(?u)" alone: nothing left to say, so the group disappears.
            rewritten = kept.Length == 0 ? "" : $"(?{kept})";
        }

        end = i;
        return true;
    }
}
