using System.Text.RegularExpressions;

namespace MitmFixture.Cassettes;

/// <summary>
/// The shape of a placeholder: <c>&lt;KIND&gt;</c> for the first secret of a kind in a cassette,
/// <c>&lt;KIND-2&gt;</c>, <c>&lt;KIND-3&gt;</c> for the next distinct ones. Replay compares
/// placeholders by kind only, since a live session numbers its secrets in its own order.
/// </summary>
internal static partial class RedactionPlaceholder
{
    /// <summary>The placeholder for the <paramref name="ordinal"/>th distinct secret of <paramref name="kind"/> (1-based).</summary>
    public static string Format(string kind, int ordinal) => ordinal <= 1 ? $"<{kind}>" : $"<{kind}-{ordinal}>";

    /// <summary>True when <paramref name="value"/> is a placeholder and nothing else (a value already redacted).</summary>
    public static bool IsPlaceholder(string value) => Whole().IsMatch(value);

    /// <summary>The placeholders in <paramref name="text"/> as (kind, ordinal).</summary>
    public static IEnumerable<(string Kind, int Ordinal)> FindAll(string text)
    {
        if (!text.Contains('<', StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (Match match in Anywhere().Matches(text))
        {
            var ordinal = match.Groups[2].Success && int.TryParse(match.Groups[2].ValueSpan, out var n) ? n : 1;
            yield return (match.Groups[1].Value, ordinal);
        }
    }

    /// <summary>
    /// <paramref name="text"/> with every placeholder reduced to its kind, also where a client
    /// percent-encoded (<c>%3C</c>) or JSON-escaped (<c>\u003C</c>) the one it got from a replayed response.
    /// </summary>
    public static string Normalize(string text) =>
        text.Contains('<', StringComparison.Ordinal) || text.Contains('%', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal)
            ? Encoded().Replace(text, "<$1>")
            : text;

    internal const string Pattern = @"<([A-Z0-9_]+)(?:-([0-9]{1,9}))?>";

    [GeneratedRegex("^" + Pattern + "$")]
    private static partial Regex Whole();

    [GeneratedRegex(Pattern)]
    private static partial Regex Anywhere();

    [GeneratedRegex(@"(?:<|%3[Cc]|\\u003[Cc])([A-Z0-9_]+)(?:-[0-9]{1,9})?(?:>|%3[Ee]|\\u003[Ee])")]
    private static partial Regex Encoded();
}
