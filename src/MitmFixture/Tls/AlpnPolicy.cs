using System.Net.Security;

namespace MitmFixture.Tls;

/// <summary>
/// Which ALPN protocols the proxy offers on each side of an intercepted TLS connection, as mitmproxy
/// negotiates them (addons/tlsconfig.py: <c>tls_start_server</c> and <c>alpn_select_callback</c>):
/// the server is offered what the client offered (h2 dropped with http2=false), and the client is
/// then given the server's choice; if the server chose no protocol, neither does the client; without
/// a server connection, the client's first HTTP protocol. Only h2 and http/1.1 are spoken here.
/// </summary>
internal static class AlpnPolicy
{
    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http2First = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];
    private static readonly List<SslApplicationProtocol> Http11First = [SslApplicationProtocol.Http11, SslApplicationProtocol.Http2];

    /// <summary>
    /// What the certificate sniff offers the server for a client that offered <paramref name="clientOffers"/>
    /// (null: no ALPN, or a hello that could not be read): those we speak, in the client's order. An
    /// h2-only client (gRPC) gets http/1.1 added, since the proxy translates h2 to HTTP/1.1: an
    /// HTTP/1.1-only server then completes the handshake (and its certificate is learned) instead of
    /// refusing with alert 120. Without any of ours: http/1.1 only.
    /// </summary>
    public static List<SslApplicationProtocol> ForServer(IReadOnlyList<SslApplicationProtocol>? clientOffers, bool http2)
    {
        var ours = Spoken(clientOffers, http2);
        return ours switch
        {
            [] => Http11Only,
            [var only] when only == SslApplicationProtocol.Http2 => Http2First,
            _ => ours,
        };
    }

    /// <summary>
    /// The protocols the proxy accepts from the client, in the order .NET's server picks by (the first of
    /// ours the client also offered); null to negotiate none.
    /// </summary>
    /// <param name="clientOffers">What the client offered; null when unknown (then as before: h2 first).</param>
    /// <param name="serverChoice">
    /// What the server chose in the sniff, which offered it <see cref="ForServer"/>; null without a sniff,
    /// and an empty protocol when the server negotiated none.
    /// </param>
    /// <param name="http2">The http2 option.</param>
    public static List<SslApplicationProtocol>? ForClient(IReadOnlyList<SslApplicationProtocol>? clientOffers, SslApplicationProtocol? serverChoice, bool http2)
    {
        if (clientOffers is null)
        {
            return http2 ? Http2First : Http11Only;
        }

        if (serverChoice is { } chosen)
        {
            // The server's choice first; the rest stays so that a client that did not offer it still
            // gets what it speaks (an h2-only client before an HTTP/1.1 server: translated).
            if (chosen.Protocol.IsEmpty)
            {
                return null; // mitmproxy: "the remote server refused to negotiate a protocol: mirror this"
            }

            if (chosen == SslApplicationProtocol.Http11)
            {
                return http2 ? Http11First : Http11Only;
            }

            if (chosen == SslApplicationProtocol.Http2 && http2)
            {
                return Http2First;
            }
        }

        // No server connection (upstream_cert off, offline replay, a failed sniff): the client's own
        // order of preference, "we are nice and respect that".
        var ours = Spoken(clientOffers, http2);
        return ours.Count > 0 ? ours : http2 ? Http2First : Http11Only;
    }

    /// <summary>The protocols of <paramref name="offers"/> the proxy speaks, in their order, each once.</summary>
    private static List<SslApplicationProtocol> Spoken(IReadOnlyList<SslApplicationProtocol>? offers, bool http2)
    {
        var spoken = new List<SslApplicationProtocol>(2);
        foreach (var offer in offers ?? [])
        {
            var speaks = offer == SslApplicationProtocol.Http11 || (http2 && offer == SslApplicationProtocol.Http2);
            if (speaks && !spoken.Contains(offer))
            {
                spoken.Add(offer);
            }
        }

        return spoken;
    }
}
