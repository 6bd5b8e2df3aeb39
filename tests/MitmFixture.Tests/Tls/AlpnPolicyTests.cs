using System.Net.Security;
using MitmFixture.Tls;

namespace MitmFixture.Tests.Tls;

/// <summary>AlpnPolicy: mitmproxy's ALPN rule (addons/tlsconfig.py) as lists .NET's SslStream negotiates by.</summary>
public sealed class AlpnPolicyTests
{
    private static List<SslApplicationProtocol>? Parse(string? names) =>
        names is null ? null : [.. names.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => new SslApplicationProtocol(n))];

    private static string? Show(List<SslApplicationProtocol>? protocols) => protocols is null ? null : string.Join(",", protocols);

    [Theory]
    [InlineData("h2,http/1.1", true, "h2,http/1.1")]
    [InlineData("http/1.1,h2", true, "http/1.1,h2")] // the client's order, as mitmproxy offers the client's own list
    [InlineData("http/1.1", true, "http/1.1")]
    [InlineData("h2", true, "h2,http/1.1")] // h2-only client: http/1.1 too, the proxy translates
    [InlineData("h2,http/1.1", false, "http/1.1")] // http2=false: h2 never offered
    [InlineData("h2", false, "http/1.1")]
    [InlineData("spdy/3,h2,acme-tls/1,http/1.1,h2", true, "h2,http/1.1")] // only what the proxy speaks, each once
    [InlineData("spdy/3", true, "http/1.1")]
    [InlineData(null, true, "http/1.1")] // no ALPN, or an unreadable hello: as before
    public void ForServer_ClientOffers_OffersWhatTheClientOfferedAndTheProxySpeaks(string? client, bool http2, string expected)
    {
        Assert.Equal(expected, Show(AlpnPolicy.ForServer(Parse(client), http2)));
    }

    [Theory]
    [InlineData("h2,http/1.1", "http/1.1", true, "http/1.1,h2")] // the server's pick first: the client gets http/1.1
    [InlineData("h2", "http/1.1", true, "http/1.1,h2")] // an h2-only client still gets h2, translated
    [InlineData("h2,http/1.1", "h2", true, "h2,http/1.1")]
    [InlineData("http/1.1,h2", "h2", true, "h2,http/1.1")]
    [InlineData("h2,http/1.1", "", true, null)] // the server negotiated none: neither does the client
    [InlineData("http/1.1", "http/1.1", false, "http/1.1")]
    [InlineData("h2,http/1.1", "http/1.1", false, "http/1.1")]
    public void ForClient_ServerChose_GivesTheClientTheServersChoice(string client, string server, bool http2, string? expected)
    {
        var chosen = server.Length == 0 ? default : new SslApplicationProtocol(server);
        Assert.Equal(expected, Show(AlpnPolicy.ForClient(Parse(client), chosen, http2)));
    }

    [Theory]
    [InlineData("h2,http/1.1", true, "h2,http/1.1")]
    [InlineData("http/1.1,h2", true, "http/1.1,h2")] // mitmproxy: the client's first HTTP protocol
    [InlineData("h2,http/1.1", false, "http/1.1")]
    [InlineData("h2", false, "http/1.1")] // http2=false: an h2-only client is refused (alert 120), as before
    [InlineData("spdy/3", true, "h2,http/1.1")]
    public void ForClient_NoServerConnection_FollowsTheClientsPreference(string client, bool http2, string expected)
    {
        Assert.Equal(expected, Show(AlpnPolicy.ForClient(Parse(client), null, http2)));
    }

    [Theory]
    [InlineData(true, "h2,http/1.1")]
    [InlineData(false, "http/1.1")]
    public void ForClient_ClientOffersUnknown_IsAsBefore(bool http2, string expected)
    {
        Assert.Equal(expected, Show(AlpnPolicy.ForClient(null, new SslApplicationProtocol("http/1.1"), http2)));
        Assert.Equal(expected, Show(AlpnPolicy.ForClient(null, null, http2)));
    }
}
