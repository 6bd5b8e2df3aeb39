using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>
/// What client replay must not send again, as mitmproxy decides it: a CONNECT (its replays run in
/// transparent mode, where <c>validate_request</c> refuses one), the HTTP/2 preface as a request and an
/// h2c upgrade (its <c>disable_h2c</c> addon kills the one and strips the other, as the live proxy here
/// strips it). The same rule refuses a cassette where it is loaded to be sent (<see cref="ClientReplayer.Load"/>)
/// and a recorded request at the moment it would go out, whatever path it came by.
/// </summary>
internal static class ResendableRequest
{
    /// <summary>Why <paramref name="request"/> must not be sent again, with the request field that says so as a cassette names it ("method", "headers[2]"); null when it may be sent.</summary>
    public static (string Field, string Reason)? Problem(HttpRequest request)
    {
        switch (request.Method)
        {
            case "CONNECT":
                return ("method", "client replay does not send CONNECT: a tunnel is the proxy's to open for a client, and what went through it is recorded as flows of their own (mitmproxy refuses it too)");
            case "PRI":
                return ("method", "PRI is the HTTP/2 connection preface, not a request to send again (mitmproxy kills it too)");
        }

        for (var i = 0; i < request.Headers.Count; i++)
        {
            var field = request.Headers[i];
            if (field.Name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) && field.Value.Split(',').Any(t => t.Trim().Equals("h2c", StringComparison.OrdinalIgnoreCase)))
            {
                return ($"headers[{i}]", $"an h2c upgrade (Upgrade: {field.Value}) would switch the server to HTTP/2 on a connection client replay reads as HTTP/1.1; the live proxy removes it, as mitmproxy does, so a recording has none");
            }

            if (field.Name.Equals("HTTP2-Settings", StringComparison.OrdinalIgnoreCase))
            {
                return ($"headers[{i}]", "HTTP2-Settings belongs to an h2c upgrade (RFC 7540 §3.2.1), which client replay does not send");
            }
        }

        return null;
    }
}
