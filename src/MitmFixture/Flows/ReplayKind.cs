namespace MitmFixture.Flows;

/// <summary>Whether a flow was replayed, and from which side (mitmproxy's <c>is_replay</c>).</summary>
public enum ReplayKind
{
    /// <summary>Not replayed: the flow went to the real server.</summary>
    None,

    /// <summary>Client-side replay: the proxy re-sent a recorded request.</summary>
    Request,

    /// <summary>Server-side replay: the proxy answered with a recorded response.</summary>
    Response,
}
