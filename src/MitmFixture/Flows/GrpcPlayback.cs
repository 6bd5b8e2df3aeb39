using MitmFixture.Http;

namespace MitmFixture.Flows;

/// <summary>
/// Set by server replay on an HTTP/2 gRPC call whose method path (and the other matching knobs) a
/// recording has: the proxy plays the call offline, reading the client's messages and sending the
/// recorded server messages in the recorded interleaving, choosing among the candidates by the
/// client's messages as they arrive.
/// </summary>
/// <param name="Candidates">Recorded gRPC flows matching everything but the messages, in recording order.</param>
/// <param name="Claim">Takes a candidate out of the store (unless reuse is on) and returns the response to play (refreshed, placeholders restored); null when another call took it first.</param>
/// <param name="MatchAnyMessage">Accept any client message where the recording has one (<c>server_replay_ignore_content</c>).</param>
/// <param name="Unmatched">Told why, when the client's messages match no candidate (server replay's unmatched report).</param>
internal sealed record GrpcPlayback(IReadOnlyList<Flow> Candidates, Func<Flow, HttpResponse?> Claim, bool MatchAnyMessage, Action<string>? Unmatched = null)
{
    /// <summary>
    /// A live client message's plain (decoded) bytes as the recording would hold them, its secrets
    /// replaced by placeholders, or null to compare messages as they came: server replay's redaction
    /// session, so a message carrying a token matches the recorded one carrying &lt;AUTHORIZATION&gt;.
    /// </summary>
    public Func<byte[], byte[]>? Redact { get; init; }
}
