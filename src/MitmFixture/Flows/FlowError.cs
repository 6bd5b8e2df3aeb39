namespace MitmFixture.Flows;

/// <summary>Why a flow has no response: a connection failure, a timeout, a kill (mitmproxy's <c>flow.error</c>).</summary>
public sealed record FlowError(string Message, DateTimeOffset Timestamp)
{
    /// <summary>The message mitmproxy uses for killed flows, kept so filters and tools agree.</summary>
    public const string KilledMessage = "Connection killed.";

    /// <inheritdoc/>
    public override string ToString() => Message;
}
