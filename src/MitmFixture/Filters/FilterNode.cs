using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary>
/// One node of a parsed filter: an operator such as <c>~u</c>, or <c>!</c>, <c>&amp;</c>, <c>|</c>.
/// Nodes are immutable and thread-safe, so one parsed filter can be matched from every connection.
/// <see cref="ToString"/> reads as mitmproxy's <c>str(filter)</c>, e.g. <c>url matches /foo/i</c>.
/// </summary>
internal abstract class FilterNode
{
    public abstract bool Matches(Flow flow);

    public abstract override string ToString();
}

/// <summary>What an operator carries, as a static contract so the operator table is built from the node types.</summary>
internal interface IFilterOperator
{
    /// <summary>The operator without its tilde: <c>h</c> for <c>~h</c>.</summary>
    static abstract string Code { get; }

    /// <summary>The one-line help, as in mitmproxy's <c>flowfilter.help</c>.</summary>
    static abstract string Help { get; }
}

/// <summary>An operator without argument, such as <c>~q</c>; it has one shared instance.</summary>
internal interface ISimpleOperator : IFilterOperator
{
    static abstract FilterNode Instance { get; }
}

/// <summary>An operator taking a regex, such as <c>~h rex</c>.</summary>
internal interface IRegexOperator : IFilterOperator
{
    /// <summary>How the regex is compiled and what text it searches (see <see cref="RegexMode"/>).</summary>
    static abstract RegexMode Mode { get; }

    static abstract FilterNode Create(FilterRegex regex);
}

/// <summary>An operator taking a decimal integer, such as <c>~c 404</c>.</summary>
internal interface IIntegerOperator : IFilterOperator
{
    /// <param name="digits">The digits as written (mitmproxy accepts integers of any size).</param>
    static abstract FilterNode Create(string digits);
}
