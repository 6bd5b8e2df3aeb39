using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// How a gRPC message's bytes are read: a compressed one (its frame's flag set) is in its side's
/// <c>grpc-encoding</c> (gRPC's PROTOCOL-HTTP2.md, "Compressed-Flag"), decoded within
/// <see cref="GrpcMapper.MaxMessageBytes"/>. One definition for redaction, which scrubs the
/// decoded message and encodes it again, and for <c>scan</c>, which searches it.
/// </summary>
internal static class GrpcCompression
{
    /// <summary>The <c>grpc-encoding</c> of the side that sent <paramref name="message"/>, or null.</summary>
    public static string? EncodingOf(Flow flow, GrpcMessage message) =>
        (message.FromClient ? flow.Request.Headers : flow.Response?.Headers)?.Get("grpc-encoding");

    /// <summary>
    /// The message's plain bytes: its content when it is not compressed, decoded when it is. False,
    /// with <paramref name="problem"/> saying why and <paramref name="plain"/> the content as it is,
    /// when a compressed message names no encoding (or <c>identity</c>) or cannot be decoded with it.
    /// </summary>
    public static bool TryDecode(Flow flow, GrpcMessage message, out byte[] plain, out string? problem)
    {
        plain = message.Content;
        problem = null;
        if (!message.Compressed)
        {
            return true;
        }

        var encoding = EncodingOf(flow, message);
        if (ContentEncoding.IsIdentity(encoding))
        {
            problem = $"it is flagged compressed, but its side's grpc-encoding is {(encoding is null ? "absent" : $"'{encoding}'")}";
            return false;
        }

        return ContentEncoding.TryDecode(message.Content, encoding, GrpcMapper.MaxMessageBytes, out plain, out problem);
    }
}
