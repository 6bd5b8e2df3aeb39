using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>Which flows go to their server over HTTP/2 besides an h2 client's streams: h2c servers, h2-only servers and client replay of HTTP/2 flows.</summary>
internal sealed partial class ClientSession
{
    /// <summary>This session's own h2 forwarder, made on first use for an HTTP/1.1 client or a replay; an h2 stream's session uses its connection's.</summary>
    private Http2Upstream? _ownHttp2Upstream;

    /// <summary>
    /// The h2 forwarder for <paramref name="flow"/>, or null for the HTTP/1.1 path:
    /// <list type="bullet">
    /// <item>an h2 client's stream: its connection's forwarder (h2, or HTTP/1.1 by translation);</item>
    /// <item>the server of <c>reverse:h2c://</c>: HTTP/2 with prior knowledge whatever the client spoke;</item>
    /// <item>client replay of a flow recorded over HTTP/2 to an https server: h2 offered in ALPN, as
    /// mitmproxy's replay offers the recorded client's ALPN (h2 included) when http2 is on; a server
    /// that picks http/1.1 gets HTTP/1.1 and the log says so;</item>
    /// <item>a TLS server that refused http/1.1 and chose h2 (<see cref="Http2OnlyServerException"/>): an HTTP/1.1 client's flows are translated.</item>
    /// </list>
    /// A WebSocket handshake stays on HTTP/1.1: WebSockets over HTTP/2 (RFC 8441) are not spoken.
    /// </summary>
    private Http2Upstream? Http2ForwarderFor(Flow flow, ServerKey key)
    {
        if (_http2Upstream is not null)
        {
            return _http2Upstream;
        }

        var request = flow.Request;
        var overHttp2 = _context.Options.Mode.IsH2cTarget(key.Scheme, key.Host, key.Port)
            || (flow.Replay == ReplayKind.Request && request.HttpVersion == "HTTP/2.0" && key.Scheme == "https" && _context.Options.Http2)
            || _context.Connector.SpeaksOnlyHttp2(key); // last: the per-request lookup is skipped while no such server is known
        if (!overHttp2 || request.Headers.Contains("Upgrade"))
        {
            return null;
        }

        return _ownHttp2Upstream ??= new Http2Upstream(_context);
    }
}
