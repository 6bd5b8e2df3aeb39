using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary>An operator with a regex argument; <see cref="ToString"/> reads <c>{subject} matches /rex/flags</c>.</summary>
internal abstract class RegexNode(FilterRegex regex) : FilterNode
{
    public FilterRegex Regex { get; } = regex;

    /// <summary>What the regex is searched in, for <see cref="ToString"/>, e.g. <c>req. header</c>.</summary>
    protected abstract string Subject { get; }

    public abstract override bool Matches(Flow flow);

    public sealed override string ToString() => $"{Subject} matches {Regex}";
}
