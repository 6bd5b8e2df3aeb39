using MitmFixture.Flows;

namespace MitmFixture.Filters;

/// <summary><c>~q</c>: a request that has no response (yet, or ever).</summary>
internal sealed class RequestNode : FilterNode, ISimpleOperator
{
    public static string Code => "q";

    public static string Help => "Match request with no response";

    public static FilterNode Instance { get; } = new RequestNode();

    public override bool Matches(Flow flow) => flow.Response is null;

    public override string ToString() => "has no response";
}

/// <summary><c>~s</c>: a flow with a response.</summary>
internal sealed class ResponseNode : FilterNode, ISimpleOperator
{
    public static string Code => "s";

    public static string Help => "Match response";

    public static FilterNode Instance { get; } = new ResponseNode();

    public override bool Matches(Flow flow) => flow.Response is not null;

    public override string ToString() => "has response";
}

/// <summary><c>~e</c>: a flow with an error (refused, reset, timed out, killed).</summary>
internal sealed class ErrorNode : FilterNode, ISimpleOperator
{
    public static string Code => "e";

    public static string Help => "Match error";

    public static FilterNode Instance { get; } = new ErrorNode();

    public override bool Matches(Flow flow) => flow.Error is not null;

    public override string ToString() => "has error";
}

/// <summary><c>~marked</c>: a flow with any marker.</summary>
internal sealed class MarkedNode : FilterNode, ISimpleOperator
{
    public static string Code => "marked";

    public static string Help => "Match marked flows";

    public static FilterNode Instance { get; } = new MarkedNode();

    public override bool Matches(Flow flow) => flow.Marked.Length > 0;

    public override string ToString() => "is marked";
}

/// <summary><c>~replay</c>: a flow replayed from either side.</summary>
internal sealed class ReplayNode : FilterNode, ISimpleOperator
{
    public static string Code => "replay";

    public static string Help => "Match replayed flows";

    public static FilterNode Instance { get; } = new ReplayNode();

    public override bool Matches(Flow flow) => flow.Replay != ReplayKind.None;

    public override string ToString() => "flow has been replayed";
}

/// <summary><c>~replayq</c>: client-side replay, the proxy re-sent a recorded request.</summary>
internal sealed class ReplayRequestNode : FilterNode, ISimpleOperator
{
    public static string Code => "replayq";

    public static string Help => "Match replayed client request";

    public static FilterNode Instance { get; } = new ReplayRequestNode();

    public override bool Matches(Flow flow) => flow.Replay == ReplayKind.Request;

    public override string ToString() => "request has been replayed";
}

/// <summary><c>~replays</c>: server-side replay, the proxy answered with a recorded response.</summary>
internal sealed class ReplayResponseNode : FilterNode, ISimpleOperator
{
    public static string Code => "replays";

    public static string Help => "Match replayed server response";

    public static FilterNode Instance { get; } = new ReplayResponseNode();

    public override bool Matches(Flow flow) => flow.Replay == ReplayKind.Response;

    public override string ToString() => "response has been replayed";
}
