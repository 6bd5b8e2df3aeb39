using MitmFixture.Flows;

namespace MitmFixture.Filters;

// Operators that ask what kind of flow this is. Every MitmFixture flow is an HTTP flow, so ~tcp,
// ~udp and ~dns are accepted (expressions pasted from mitmproxy parse) and never match.

/// <summary><c>~all</c>: every flow (mitmproxy's <c>match_all</c>).</summary>
internal sealed class AllNode : FilterNode, ISimpleOperator
{
    public static string Code => "all";

    public static string Help => "Match all flows";

    public static FilterNode Instance { get; } = new AllNode();

    public override bool Matches(Flow flow) => true;

    public override string ToString() => "all flows";
}

/// <summary><c>~http</c>: HTTP flows, WebSocket handshakes included.</summary>
internal sealed class HttpNode : FilterNode, ISimpleOperator
{
    public static string Code => "http";

    public static string Help => "Match HTTP flows";

    public static FilterNode Instance { get; } = new HttpNode();

    public override bool Matches(Flow flow) => true;

    public override string ToString() => "is an HTTP Flow";
}

/// <summary><c>~websocket</c>: flows that upgraded to WebSocket.</summary>
internal sealed class WebSocketNode : FilterNode, ISimpleOperator
{
    public static string Code => "websocket";

    public static string Help => "Match WebSocket flows";

    public static FilterNode Instance { get; } = new WebSocketNode();

    public override bool Matches(Flow flow) => flow.WebSocket is not null;

    public override string ToString() => "is a Websocket Flow";
}

/// <summary><c>~tcp</c>: raw TCP flows, which MitmFixture does not record.</summary>
internal sealed class TcpNode : FilterNode, ISimpleOperator
{
    public static string Code => "tcp";

    public static string Help => "Match TCP flows";

    public static FilterNode Instance { get; } = new TcpNode();

    public override bool Matches(Flow flow) => false;

    public override string ToString() => "is a TCP Flow";
}

/// <summary><c>~udp</c>: UDP flows, which MitmFixture does not record.</summary>
internal sealed class UdpNode : FilterNode, ISimpleOperator
{
    public static string Code => "udp";

    public static string Help => "Match UDP flows";

    public static FilterNode Instance { get; } = new UdpNode();

    public override bool Matches(Flow flow) => false;

    public override string ToString() => "is a UDP Flow";
}

/// <summary><c>~dns</c>: DNS flows, which MitmFixture does not record.</summary>
internal sealed class DnsNode : FilterNode, ISimpleOperator
{
    public static string Code => "dns";

    public static string Help => "Match DNS flows";

    public static FilterNode Instance { get; } = new DnsNode();

    public override bool Matches(Flow flow) => false;

    public override string ToString() => "is a DNS Flow";
}
