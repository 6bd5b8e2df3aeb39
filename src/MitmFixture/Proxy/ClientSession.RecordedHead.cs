using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Proxy;

/// <summary>A head from a file held to the limits a live one is.</summary>
internal sealed partial class ClientSession
{
    /// <summary>
    /// A recorded request about to be re-sent (client replay, drift) or a recorded response about to
    /// answer (server replay) is held to <see cref="HttpLimits.MaxHeadBytes"/> and
    /// <see cref="HttpLimits.MaxHeaderCount"/>, as the parser holds a live message: a cassette could
    /// otherwise send a server a head of megabytes, or a client one it cannot take. The start line
    /// counts (a response's reason phrase is as much the head as its fields), and so do trailers, which
    /// the chunked decoder holds to the same two limits when they arrive live.
    /// </summary>
    /// <exception cref="UnsafeHeadException">The head or the trailers are over one of the limits, which the message names.</exception>
    private void CheckRecordedHead(Flow flow, HttpMessage message, string what)
    {
        // What client replay must not send, however the request got here (a cassette loaded for server
        // replay, the console's r, ProxyServer.ReplayAsync): ClientReplayer.Load refuses it earlier, by file and line.
        if (message is HttpRequest request && ResendableRequest.Problem(request) is { } problem)
        {
            throw new UnsafeHeadException($"refused to send the recorded request: {problem.Reason}");
        }

        var startLine = message is HttpResponse response
            ? response.HttpVersion.Length + response.Reason.Length + 7 // "HTTP/1.1 200 OK\r\n"
            : flow.Request.Method.Length + flow.Request.Path.Length + flow.Request.HttpVersion.Length + 32; // "GET /path HTTP/1.1\r\n", and an authority in absolute form, roughly
        CheckRecordedFields(message.Headers, startLine, what, "header fields", "its head is");
        if (message.Trailers is { } trailers)
        {
            CheckRecordedFields(trailers, 0, what, "trailer fields", "its trailers are");
        }
    }

    private void CheckRecordedFields(HttpHeaders fields, int size, string what, string kind, string sizeOf)
    {
        if (fields.Count > Limits.MaxHeaderCount)
        {
            throw new UnsafeHeadException($"refused to send the recorded {what}: it has {fields.Count} {kind}, over the limit of {Limits.MaxHeaderCount} (HttpLimits.MaxHeaderCount) a live one is held to");
        }

        foreach (var field in fields)
        {
            size += field.Name.Length + field.Value.Length + 4; // "Name: value\r\n"
        }

        if (size > Limits.MaxHeadBytes)
        {
            throw new UnsafeHeadException($"refused to send the recorded {what}: {sizeOf} about {size} bytes, over the limit of {Limits.MaxHeadBytes} (HttpLimits.MaxHeadBytes) a live one is held to");
        }
    }
}
