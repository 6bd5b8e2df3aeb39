using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary><c>~src rex</c>: the client's address as <c>ip:port</c>.</summary>
internal sealed class SourceNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "src";

    public static string Help => "Match source address";

    public static RegexMode Mode => RegexMode.Text;

    protected override string Subject => "source address";

    public static FilterNode Create(FilterRegex regex) => new SourceNode(regex);

    public override bool Matches(Flow flow) => FlowText.SourceAddress(flow) is { } address && Regex.IsMatch(address);
}

/// <summary><c>~dst rex</c>: the server's address as <c>host:port</c>, as dialled.</summary>
internal sealed class DestinationNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "dst";

    public static string Help => "Match destination address";

    public static RegexMode Mode => RegexMode.Text;

    protected override string Subject => "destination address";

    public static FilterNode Create(FilterRegex regex) => new DestinationNode(regex);

    public override bool Matches(Flow flow) => FlowText.DestinationAddress(flow) is { } address && Regex.IsMatch(address);
}

/// <summary><c>~meta rex</c>: the flow's metadata, one <c>key: value</c> line per entry, multi-line.</summary>
internal sealed class MetaNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "meta";

    public static string Help => "Flow metadata";

    public static RegexMode Mode => RegexMode.Text | RegexMode.Multiline;

    protected override string Subject => "flow metadata";

    public static FilterNode Create(FilterRegex regex) => new MetaNode(regex);

    public override bool Matches(Flow flow) => Regex.IsMatch(FlowText.Metadata(flow));
}

/// <summary><c>~marker rex</c>: the flow's marker (empty when unmarked, so only an empty-matching regex finds those).</summary>
internal sealed class MarkerNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "marker";

    public static string Help => "Match marked flows with specified marker";

    public static RegexMode Mode => RegexMode.Text;

    protected override string Subject => "marker";

    public static FilterNode Create(FilterRegex regex) => new MarkerNode(regex);

    public override bool Matches(Flow flow) => Regex.IsMatch(flow.Marked);
}

/// <summary><c>~comment rex</c>: the flow's comment, multi-line.</summary>
internal sealed class CommentNode(FilterRegex regex) : RegexNode(regex), IRegexOperator
{
    public static string Code => "comment";

    public static string Help => "Flow comment";

    public static RegexMode Mode => RegexMode.Text | RegexMode.Multiline;

    protected override string Subject => "comment";

    public static FilterNode Create(FilterRegex regex) => new CommentNode(regex);

    public override bool Matches(Flow flow) => Regex.IsMatch(flow.Comment);
}
