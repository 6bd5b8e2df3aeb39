using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// A gRPC call in a cassette: each message its own entry under <c>"grpc"</c> (who sent it, the
/// compressed flag, base64 bytes, when), both directions in the order the proxy saw them; the
/// request and response bodies, which are those messages joined, are then left out. Files from
/// before format version 4 hold the call as whole bodies: they are split on load, and a body that
/// is not a sequence of length-prefixed messages is refused naming where.
/// </summary>
internal static class GrpcMapper
{
    /// <summary>The largest message a cassette may hold: the default <c>body_size_limit</c>, the largest the proxy ever relays whole.</summary>
    public const long MaxMessageBytes = 256L * 1024 * 1024;

    public static GrpcRecord? ToRecord(Flow flow) => flow.Grpc is { } grpc
        ? new GrpcRecord
        {
            Messages = grpc.Messages.Select(m => new GrpcMessageRecord
            {
                From = m.FromClient ? "client" : "server",
                Compressed = m.Compressed ? true : null,
                Base64 = m.Content,
                Timestamp = m.Timestamp,
            }).ToList(),
        }
        : null;

    /// <summary>A body as the cassette keeps it: left out for a gRPC call (its messages say it), marked when it was cut.</summary>
    public static BodyRecord? Body(Flow flow, HttpMessage message) =>
        flow.Grpc is null ? BodyCodec.Encode(message)
        : message.Body is null && message.Stream ? new BodyRecord { Streamed = true }
        : null;

    /// <summary>Puts a loaded flow's gRPC messages on it, and its bodies back together from them (or, for an older file, the other way round).</summary>
    public static void Fill(Flow flow, FlowRecord record, string location)
    {
        if (record.Grpc is { } grpc)
        {
            var data = new GrpcData();
            var messages = grpc.Messages ?? []; // absent from the file
            for (var i = 0; i < messages.Count; i++)
            {
                data.Add(ToMessage(messages[i], $"{location}.grpc.messages[{i}]"));
            }

            flow.Grpc = data;
            var all = data.Messages;
            if (record.Request.Body is null)
            {
                flow.Request.Body = GrpcFraming.Join(all.Where(m => m.FromClient).Select(m => (m.Compressed, m.Content)));
            }

            if (flow.Response is { } response && record.Response!.Body is null) // a response comes from a response record
            {
                response.Body = GrpcFraming.Join(all.Where(m => !m.FromClient).Select(m => (m.Compressed, m.Content)));
            }

            return;
        }

        if (!GrpcFraming.IsGrpc(flow.Request.ContentType))
        {
            return;
        }

        // Format 3 and before: the call's messages are its bodies, split here so replay can follow them.
        var split = new GrpcData();
        var request = flow.Request;
        foreach (var (compressed, content) in Split(request.Body, location + ".request.body"))
        {
            split.Add(new GrpcMessage(true, compressed, content, request.TimestampEnd ?? request.TimestampStart ?? DateTimeOffset.UnixEpoch));
        }

        if (flow.Response is { } answer && GrpcFraming.IsGrpc(answer.ContentType))
        {
            foreach (var (compressed, content) in Split(answer.Body, location + ".response.body"))
            {
                split.Add(new GrpcMessage(false, compressed, content, answer.TimestampStart ?? answer.TimestampEnd ?? DateTimeOffset.UnixEpoch));
            }
        }

        flow.Grpc = split;
    }

    private static List<(bool Compressed, byte[] Content)> Split(byte[]? body, string location)
    {
        try
        {
            return body is null ? [] : GrpcFraming.Split(body, MaxMessageBytes);
        }
        catch (GrpcFramingException e)
        {
            throw new CassetteFormatException(location, $"expected gRPC length-prefixed messages (a 1-byte compressed flag, a 4-byte big-endian length, that many bytes): {e.Message}");
        }
    }

    private static GrpcMessage ToMessage(GrpcMessageRecord m, string location)
    {
        var fromClient = m.From switch
        {
            "client" => true,
            "server" => false,
            _ => throw new CassetteFormatException(location + ".from", $"expected \"client\" or \"server\", got \"{m.From}\""),
        };
        if (m.Base64 is null)
        {
            throw new CassetteFormatException(location + ".base64", "expected the message bytes in base64");
        }

        var content = m.Base64;
        if (content.Length > MaxMessageBytes)
        {
            throw new CassetteFormatException(location + ".base64", $"a message of {content.Length} bytes is over the {MaxMessageBytes}-byte limit");
        }

        return new GrpcMessage(fromClient, m.Compressed == true, content, m.Timestamp ?? DateTimeOffset.UnixEpoch);
    }
}
