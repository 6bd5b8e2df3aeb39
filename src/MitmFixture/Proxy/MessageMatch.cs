using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;

namespace MitmFixture.Proxy;

/// <summary>
/// A gRPC message as replay compares it with a recorded one: decoded (compressed or not), its secrets
/// replaced as recording replaced them, and placeholders compared by kind (<see cref="RequestFingerprint"/>:
/// this replay's session numbers its own, so a recorded &lt;PASSWORD-2&gt; may be &lt;PASSWORD&gt; here).
/// </summary>
internal static class MessageMatch
{
    /// <summary>
    /// The comparable bytes of <paramref name="message"/> of <paramref name="flow"/>, redacted by
    /// <paramref name="redact"/> (a live message; null for a recorded one, redacted already), or null
    /// when it cannot be decoded (then it is compared as it came).
    /// </summary>
    public static byte[]? Comparable(Flow flow, GrpcMessage message, Func<byte[], byte[]>? redact)
    {
        if (!GrpcCompression.TryDecode(flow, message, out var plain, out _))
        {
            return null;
        }

        var redacted = redact is null ? plain : redact(plain);

        // Field by field first, so a length prefix follows its placeholder (<PASSWORD-2> to <PASSWORD> is
        // two bytes shorter); then byte for byte, for a message the field walk cannot read.
        return ProtobufRedaction.Scrub(redacted, NormalizedLeaf) ?? RequestFingerprint.NormalizePlaceholders(redacted);
    }

    private static byte[]? NormalizedLeaf(byte[] leaf)
    {
        var normalized = RequestFingerprint.NormalizePlaceholders(leaf);
        return ReferenceEquals(normalized, leaf) ? null : normalized;
    }
}
