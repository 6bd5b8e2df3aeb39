using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary><c>a &amp; b</c>, and expressions side by side: every operand matches. Evaluation stops at the first miss.</summary>
internal sealed class AndNode(FilterNode[] operands) : FilterNode
{
    public IReadOnlyList<FilterNode> Operands => operands;

    public override bool Matches(Flow flow)
    {
        foreach (var operand in operands)
        {
            if (!operand.Matches(flow))
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => string.Join(" and ", operands.Select(LogicText.Parenthesize));
}

/// <summary><c>a | b</c>: any operand matches. Evaluation stops at the first hit.</summary>
internal sealed class OrNode(FilterNode[] operands) : FilterNode
{
    public IReadOnlyList<FilterNode> Operands => operands;

    public override bool Matches(Flow flow)
    {
        foreach (var operand in operands)
        {
            if (operand.Matches(flow))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => string.Join(" or ", operands.Select(LogicText.Parenthesize));
}

/// <summary><c>!a</c>: the operand does not match.</summary>
internal sealed class NotNode(FilterNode operand) : FilterNode
{
    public FilterNode Operand => operand;

    public override bool Matches(Flow flow) => !operand.Matches(flow);

    public override string ToString() => $"not {LogicText.Parenthesize(operand)}";
}

internal static class LogicText
{
    /// <summary>As mitmproxy's <c>_parenthesize</c>: nested and/or lists get parentheses, the rest reads plain.</summary>
    public static string Parenthesize(FilterNode node) => node is AndNode or OrNode ? $"({node})" : node.ToString();
}
