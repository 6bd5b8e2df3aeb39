using System.Diagnostics.CodeAnalysis;
using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary>
/// A parsed flow filter in mitmproxy's filter language, e.g. <c>~d example.com &amp; !~a</c> or
/// <c>~q | ~s ~c 404</c>. Every feature that takes a pattern (interception, replacements, set
/// headers, sticky cookies, view filters, dump output, replay scoping) uses it. An expression means
/// what it means in mitmproxy (11.1 and later): regexes are Python-style, unanchored and
/// case-insensitive. The language is described in docs/filters.md and listed by <see cref="Help"/>.
/// </summary>
/// <remarks>
/// Parse once and reuse: a filter is immutable and may be matched from any thread. Each regex search
/// gives up after <see cref="MatchTimeout"/> and then counts as no match, so a pattern with
/// catastrophic backtracking cannot stall the proxy.
/// </remarks>
public sealed class FlowFilter
{
    /// <summary>How long one regex search may run before it counts as no match: 1 second.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private static readonly Lazy<IReadOnlyList<FilterHelpEntry>> HelpEntries = new(BuildHelp);

    private FlowFilter(string expression, FilterNode root)
    {
        Expression = expression;
        Root = root;
    }

    /// <summary>A filter that matches every flow (<c>~all</c>, mitmproxy's <c>match_all</c>).</summary>
    public static FlowFilter All { get; } = new("~all", AllNode.Instance);

    /// <summary>
    /// The operators and combinators with one line of help each, sorted as mitmproxy's
    /// <c>flowfilter.help</c>: operators by syntax, then <c>!</c>, <c>&amp;</c>, <c>|</c>, <c>(...)</c>.
    /// </summary>
    internal static IReadOnlyList<FilterHelpEntry> Help => HelpEntries.Value;

    /// <summary>The expression as given to <see cref="Parse(string)"/> (mitmproxy's <c>pattern</c>).</summary>
    public string Expression { get; }

    internal FilterNode Root { get; }

    /// <summary>Parses a filter expression.</summary>
    /// <exception cref="FilterParseException">The expression is empty or not a filter; the message says where and why.</exception>
    public static FlowFilter Parse(string expression) => Parse(expression, MatchTimeout);

    /// <summary>Parses a filter expression; false when it is empty or not a filter.</summary>
    public static bool TryParse([NotNullWhen(true)] string? expression, [NotNullWhen(true)] out FlowFilter? filter) =>
        TryParse(expression, out filter, out _);

    /// <summary>Parses a filter expression; on failure <paramref name="error"/> says where and why.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? expression,
        [NotNullWhen(true)] out FlowFilter? filter,
        [NotNullWhen(false)] out FilterParseException? error)
    {
        filter = null;
        error = null;
        if (expression is null)
        {
            error = FilterParseException.Empty(expression);
            return false;
        }

        try
        {
            filter = Parse(expression, MatchTimeout);
            return true;
        }
        catch (FilterParseException e)
        {
            error = e;
            return false;
        }
    }

    /// <summary>True when <paramref name="flow"/> matches the filter.</summary>
    public bool Matches(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return Root.Matches(flow);
    }

    /// <summary>What the filter matches, in words, e.g. <c>url matches /foo/i and response code is 200</c>.</summary>
    public override string ToString() => Root.ToString();

    /// <summary>Parses with another search timeout (tests use a short one).</summary>
    internal static FlowFilter Parse(string expression, TimeSpan matchTimeout)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new FlowFilter(expression, FilterParser.Parse(expression, matchTimeout));
    }

    private static IReadOnlyList<FilterHelpEntry> BuildHelp()
    {
        var operators = FilterOperators.All
            .Select(spec => new FilterHelpEntry(spec.Syntax, spec.Help))
            .OrderBy(entry => entry.Syntax, StringComparer.Ordinal);
        FilterHelpEntry[] combinators =
        [
            new("!", "unary not"),
            new("&", "and"),
            new("|", "or"),
            new("(...)", "grouping"),
        ];
        return [.. operators, .. combinators];
    }
}
