using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// A gRPC call's messages, redacted as a body is, compressed ones included: each is decoded with its
/// side's <c>grpc-encoding</c> (<see cref="GrpcCompression"/>), scrubbed field by field and byte for
/// byte, and encoded again. What cannot be done is said on the flow, never skipped in silence.
/// </summary>
internal sealed partial class RedactionSession
{
    /// <summary>The note a flow carries when one of its gRPC messages could not be redacted as the others.</summary>
    internal const string GrpcRedactionNote = "grpc_redaction";

    /// <summary>
    /// A gRPC call's messages with every known secret replaced, in the same way whether compressed or
    /// not. A compressed message that cannot be decoded is searched as it is, and one whose scrubbed
    /// bytes cannot be encoded again is kept uncompressed (a frame's flag is per message, so the call
    /// still reads); either is said in the flow's <c>Metadata["grpc_redaction"]</c>.
    /// </summary>
    private bool ScrubGrpcMessages(Flow flow, GrpcData grpc)
    {
        var data = new GrpcData();
        var notes = new List<string>();
        var changed = false;
        for (var i = 0; i < grpc.Messages.Count; i++)
        {
            var m = grpc.Messages[i];
            var (compressed, content) = (m.Compressed, m.Content);
            if (!GrpcCompression.TryDecode(flow, m, out var plain, out var problem))
            {
                notes.Add($"message {i + 1} could not be decoded to search it for secrets ({problem}); searched as it is");
                content = ScrubBytes(m.Content, null) ?? m.Content;
            }
            else if (ScrubGrpcContent(plain) is { } scrubbed)
            {
                if (!compressed)
                {
                    content = scrubbed;
                }
                else if (ContentEncoding.TryEncode(scrubbed, GrpcCompression.EncodingOf(flow, m)!, out var encoded)) // decoded, so named
                {
                    content = encoded;
                }
                else
                {
                    notes.Add($"message {i + 1} could not be encoded again with grpc-encoding '{GrpcCompression.EncodingOf(flow, m)}' once redacted; kept uncompressed");
                    (compressed, content) = (false, scrubbed);
                }
            }

            changed |= !ReferenceEquals(content, m.Content);
            data.Add(new GrpcMessage(m.FromClient, compressed, content, m.Timestamp));
        }

        if (notes.Count > 0)
        {
            flow.Metadata[GrpcRedactionNote] = string.Join("; ", notes);
            changed = true;
        }

        if (changed)
        {
            flow.Grpc = data;
        }

        return changed;
    }

    /// <summary>A live gRPC message's plain bytes as a recording holds them (server replay matches like with like); the content itself when it holds no known secret.</summary>
    public byte[] RedactGrpcMessage(byte[] plain)
    {
        lock (_gate)
        {
            return ScrubGrpcContent(plain) ?? plain;
        }
    }

    /// <summary>
    /// A gRPC message's bytes with every known secret replaced, or null when none was there:
    /// protobuf-aware first (<see cref="ProtobufRedaction"/>, so the message still parses on replay),
    /// then byte for byte over the result, which catches what the field walk cannot see.
    /// </summary>
    private byte[]? ScrubGrpcContent(byte[] content)
    {
        var structured = ProtobufRedaction.Scrub(content, leaf => ScrubBytes(leaf, null));
        return ScrubBytes(structured ?? content, null) ?? structured;
    }

    /// <summary>
    /// A gRPC call's bodies made again from its (redacted) messages, which they are joined
    /// (<see cref="GrpcMapper"/>): the byte scrub of a body cannot look inside a compressed message or
    /// a JSON field in a protobuf one, and leaves length prefixes wrong, so a HAR or a report made from
    /// the redacted flow would hold what the cassette does not. A body not kept (streamed) stays so.
    /// </summary>
    private static bool RejoinGrpcBodies(Flow flow)
    {
        var changed = Rejoin(flow.Request, flow.Grpc!.Messages, fromClient: true); // the caller's flow has messages
        return flow.Response is { } response ? Rejoin(response, flow.Grpc.Messages, fromClient: false) | changed : changed;
    }

    private static bool Rejoin(HttpMessage message, IReadOnlyList<GrpcMessage> messages, bool fromClient)
    {
        if (message.Body is not { } body)
        {
            return false;
        }

        var joined = GrpcFraming.Join(messages.Where(m => m.FromClient == fromClient).Select(m => (m.Compressed, m.Content)));
        if (body.AsSpan().SequenceEqual(joined))
        {
            return false;
        }

        message.Body = joined;
        if (message.Headers.Contains("Content-Length"))
        {
            message.Headers.Set("Content-Length", joined.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return true;
    }
}
