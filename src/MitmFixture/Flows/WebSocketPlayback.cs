namespace MitmFixture.Flows;

/// <summary>
/// Set by server replay on a WebSocket upgrade it answers: the proxy completes the handshake itself
/// and plays the recorded server messages, each after the client messages that preceded it in the
/// recording have arrived. A client message the recording does not expect closes the socket with
/// 1008 and the reason.
/// </summary>
/// <param name="Recorded">The recorded messages, both directions, in order.</param>
/// <param name="MatchByOrder">Accept any client message where the recording has one (default: the content must match).</param>
/// <param name="PlayDelays">Wait the recorded time before each server message (default true); false sends at once.</param>
public sealed record WebSocketPlayback(IReadOnlyList<WebSocketMessage> Recorded, bool MatchByOrder = false, bool PlayDelays = true)
{
    /// <summary>
    /// A live client message's content as the recording would hold it (its secrets replaced by
    /// placeholders), or null to compare it as it came: server replay's redaction session, so a
    /// message carrying a password matches the recorded one carrying &lt;PASSWORD&gt;.
    /// </summary>
    internal Func<byte[], byte[]>? Redact { get; init; }
}
