using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>A head from a file held to the limits a live one is.</summary>
internal sealed partial class ClientSession
{
    /// <summary>
    /// A recorded request about to be re-sent (client replay, drift) or a recorded response about to
    /// answer (server replay) is held to <see cref="HttpLimits.MaxHeadBytes"/> and
    /// <see cref="HttpLimits.MaxHeaderCount"/>, as the parser holds a live message: a cassette could
    /// otherwise send a server a head of megabytes, or a client one it cannot take.
    /// </summary>
    /// <exception cref="UnsafeHeadException">The head is over one of the limits, which the message names.</exception>
    private void CheckRecordedHead(Flow flow, HttpMessage message, string what)
    {
        var headers = message.Headers;
        if (headers.Count > Limits.MaxHeaderCount)
        {
            throw new UnsafeHeadException($"refused to send the recorded {what}: it has {headers.Count} header fields, over the limit of {Limits.MaxHeaderCount} (HttpLimits.MaxHeaderCount) a live one is held to");
        }

        var size = flow.Request.Method.Length + flow.Request.Path.Length + 32; // the start line, roughly
        foreach (var field in headers)
        {
            size += field.Name.Length + field.Value.Length + 4; // "Name: value\r\n"
        }

        if (size > Limits.MaxHeadBytes)
        {
            throw new UnsafeHeadException($"refused to send the recorded {what}: its head is about {size} bytes, over the limit of {Limits.MaxHeadBytes} (HttpLimits.MaxHeadBytes) a live one is held to");
        }
    }
}
