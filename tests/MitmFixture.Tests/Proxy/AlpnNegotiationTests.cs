using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// ALPN as mitmproxy negotiates it (AcceptTlsAsync, AlpnPolicy): the certificate sniff offers the server
/// the client's own list, and the client gets the server's choice, so a flow keeps the protocol client
/// and server would have spoken without the proxy. Real Kestrel servers (h2 + http/1.1, http/1.1 only),
/// an ALPN-less TLS server, and real clients (HttpClient, curl).
/// </summary>
public sealed class AlpnNegotiationTests : H2UpstreamTests
{
    /// <summary>HttpClient asking for HTTP/2 but accepting less: it offers h2 and http/1.1.</summary>
    private static HttpRequestMessage OfferingBoth(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };

    private static HttpRequestMessage H2Only(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    [Fact]
    public async Task ClientOfferingBoth_Http11OnlyServer_SpeaksHttp11ToTheProxy()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        using var response = await client.SendAsync(OfferingBoth($"{Upstream.Http11Url}/echo/both"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.StartsWith("HTTP/1.1 GET /echo/both\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("http/1.1", flow.Client.Alpn);
        Assert.Equal("HTTP/1.1", flow.Request.HttpVersion);
        Assert.Equal("http/1.1", flow.Server.Alpn);
        Assert.Equal("HTTP/1.1", flow.Response!.HttpVersion);
    }

    [Fact]
    public async Task ClientOfferingBoth_H2Server_IsH2EndToEnd()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        using var response = await client.SendAsync(OfferingBoth($"{Upstream.H2Url}/echo/both"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/2 GET /echo/both\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        Assert.Equal("h2", flow.Server.Alpn);
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
    }

    [Fact]
    public async Task H2Client_H2Server_StreamsGoOverTheSniffsConnection()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(H2Only($"{Upstream.H2Url}/echo/{i}"), Cancel);
            Assert.Equal(HttpVersion.Version20, response.Version);
        }

        // One server connection, made before the client's handshake finished (the sniff), not a second one after it.
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(3, flows.Count);
        var server = Assert.Single(flows.Select(f => f.Server).Distinct());
        Assert.Equal("h2", server.Alpn);
        Assert.True(server.TimestampTlsSetup <= flows[0].Client.TimestampTlsSetup, $"server TLS at {server.TimestampTlsSetup:O}, client TLS at {flows[0].Client.TimestampTlsSetup:O}");
    }

    [Fact]
    public async Task ClientOfferingBoth_H2OnlyServer_IsH2EndToEndWithoutARetry()
    {
        // The sniff offers the client's h2 too, so an h2-only server completes the first handshake: no
        // refused http/1.1 handshake and second dial (UpstreamConnector's probe, logged as event 35).
        var logs = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        await using var harness = await StartProxyAsync(o => o with { LoggerFactory = logging });
        var client = harness.CreateClient();

        using var response = await client.SendAsync(OfferingBoth($"{Upstream.H2OnlyUrl}/echo/h2only"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/2 GET /echo/h2only\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("h2", flow.Server.Alpn);
        Assert.True(flow.Server.TimestampTlsSetup <= flow.Client.TimestampTlsSetup); // the sniff's connection
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == 35 || e.Message.Contains("certificate sniffing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task H2OnlyClient_Http11OnlyServer_IsTranslatedAndTheCertificateStillSniffed()
    {
        var logs = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)); // a failed sniff is logged at Debug
        await using var harness = await StartProxyAsync(o => o with { LoggerFactory = logging });
        X509Certificate2? presented = null;
        using var client = ClientCapturing(harness, c => presented = c);

        using var response = await client.SendAsync(H2Only($"{Upstream.Http11Url}/echo/translated"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/1.1 GET /echo/translated\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("http/1.1", flow.Server.Alpn);

        // The sniff offered http/1.1 beside the client's h2, so the HTTP/1.1-only server did not refuse
        // it (alert 120) and its names were copied: upstream.test is only in the server's certificate.
        Assert.DoesNotContain(logs.Messages, m => m.Contains("certificate sniffing", StringComparison.Ordinal));
        Assert.Contains("upstream.test", DnsNames(presented!)); // set by the handshake the request needed
    }

    [Fact]
    public async Task ClientOfferingBoth_ServerWithoutAlpn_NegotiatesNoneAndSpeaksHttp11()
    {
        // mitmproxy: "the remote server refused to negotiate a protocol: we need to mirror this".
        var (authority, leaf) = TestUpstream.CreateCertificates();
        using (authority)
        using (leaf)
        {
            await using var server = new TlsServer(leaf);
            await using var harness = await ProxyHarness.StartAsync(null, o => o with { UpstreamTrustedCertificates = [authority] });
            var ca = harness.WriteCaFile();

            var result = await Curl.RunAsync("--http2", "-x", harness.Proxy.Url.ToString(), "--cacert", ca, "-w", "\nversion=%{http_version}", $"{server.Url}/none");

            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal("ok\nversion=1.1", result.Stdout);
            var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
            Assert.Equal("", flow.Client.Alpn);
            Assert.Equal("HTTP/1.1", flow.Request.HttpVersion);
            Assert.Equal("", flow.Server.Alpn);
        }
    }

    [Fact]
    public async Task H2OnlyClient_ServerWithoutAlpn_IsGivenNoneAndFailsAsItWouldDirectly()
    {
        var (authority, leaf) = TestUpstream.CreateCertificates();
        using (authority)
        using (leaf)
        {
            await using var server = new TlsServer(leaf);
            await using var harness = await ProxyHarness.StartAsync(null, o => o with { UpstreamTrustedCertificates = [authority] });
            var client = harness.CreateClient();

            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(H2Only($"{server.Url}/none"), Cancel));

            Assert.Contains("HTTP/2", refused.ToString(), StringComparison.Ordinal); // SocketsHttpHandler: the server did not negotiate h2
            Assert.Empty(harness.Proxy.Flows.Snapshot());
        }
    }

    [Fact]
    public async Task CurlOfferingBoth_Http11OnlyServer_SpeaksHttp11()
    {
        await using var harness = await StartProxyAsync();
        var ca = harness.WriteCaFile();

        var result = await Curl.RunAsync("--http2", "-x", harness.Proxy.Url.ToString(), "--cacert", ca, "-w", "\nversion=%{http_version}", $"{Upstream.Http11Url}/echo/curl");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("HTTP/1.1 GET /echo/curl", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("version=1.1", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("http/1.1", Assert.Single(harness.Proxy.Flows.Snapshot()).Client.Alpn);
    }

    [Fact]
    public async Task ReverseMode_ClientOfferingBoth_Http11OnlyServer_SpeaksHttp11()
    {
        await using var harness = await StartProxyAsync(o => o with { Mode = ProxyMode.Reverse(Upstream.Http11Url) });
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.SendAsync(OfferingBoth($"https://localhost:{harness.Proxy.Port}/echo/reverse"), Cancel);

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("http/1.1", Assert.Single(harness.Proxy.Flows.Snapshot()).Client.Alpn);
    }

    [Fact]
    public async Task Nghttp_ReverseModeToHttp11OnlyServer_SpeaksH2AndIsTranslated()
    {
        // nghttp offers h2 and its drafts h2-16 and h2-14: the server is offered h2 and http/1.1 only.
        await using var harness = await StartProxyAsync(o => o with { Mode = ProxyMode.Reverse(Upstream.Http11Url) });

        var result = await Nghttp.RunAsync($"https://localhost:{harness.Proxy.Port}/echo/nghttp", Cancel);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("The negotiated protocol: h2", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 GET /echo/nghttp", result.Stdout, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("http/1.1", flow.Server.Alpn);
    }

    [Fact]
    public async Task Socks5Mode_CurlOfferingBoth_Http11OnlyAndH2Servers_EachGetsTheServersChoice()
    {
        await using var harness = await StartProxyAsync(o => o with { Mode = ProxyMode.Socks5 });
        var ca = harness.WriteCaFile();

        var http11 = await Curl.RunAsync("--http2", "--socks5-hostname", $"127.0.0.1:{harness.Proxy.Port}", "--cacert", ca, "-w", "\nversion=%{http_version}", $"{Upstream.Http11Url}/echo/s5");
        var h2 = await Curl.RunAsync("--http2", "--socks5-hostname", $"127.0.0.1:{harness.Proxy.Port}", "--cacert", ca, "-w", "\nversion=%{http_version}", $"{Upstream.H2Url}/echo/s5");

        Assert.True(http11.ExitCode == 0, http11.Stderr);
        Assert.EndsWith("version=1.1", http11.Stdout, StringComparison.Ordinal);
        Assert.True(h2.ExitCode == 0, h2.Stderr);
        Assert.EndsWith("version=2", h2.Stdout, StringComparison.Ordinal);
        Assert.Equal(["http/1.1", "h2"], harness.Proxy.Flows.Snapshot().OrderBy(f => f.Request.Port == Upstream.H2Port).Select(f => f.Client.Alpn));
    }

    [Fact]
    public async Task UpstreamCertOff_ClientOfferingBoth_GetsItsFirstChoiceAndIsTranslated()
    {
        // No server connection before the client's handshake: mitmproxy gives the client its first HTTP protocol.
        await using var harness = await StartProxyAsync(o => o with { UpstreamCert = false });
        var client = harness.CreateClient();

        using var response = await client.SendAsync(OfferingBoth($"{Upstream.Http11Url}/echo/unsniffed"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/1.1 GET /echo/unsniffed\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("http/1.1", flow.Server.Alpn);
    }

    [Fact]
    public async Task Http2Off_ClientOfferingBoth_H2Server_NeverOffersH2OnEitherSide()
    {
        await using var harness = await StartProxyAsync(o => o with { Http2 = false });
        var client = harness.CreateClient();

        using var response = await client.SendAsync(OfferingBoth($"{Upstream.H2Url}/echo/off"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        // Kestrel picks h2 whenever it is offered, so http/1.1 on the server side shows it was not.
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.StartsWith("HTTP/1.1 GET /echo/off\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("http/1.1", flow.Client.Alpn);
        Assert.Equal("http/1.1", flow.Server.Alpn);
    }

    /// <summary>An HttpClient through the proxy that trusts its CA and hands each certificate it is shown to <paramref name="seen"/>.</summary>
    private static HttpClient ClientCapturing(ProxyHarness harness, Action<X509Certificate2> seen)
    {
        var trusted = harness.Authority.CreateValidationCallback();
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url),
            SslOptions =
            {
                RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
                {
                    if (certificate is X509Certificate2 c)
                    {
                        seen(new X509Certificate2(c));
                    }

                    return trusted(sender, certificate, chain, errors);
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    private static List<string> DnsNames(X509Certificate2 certificate) =>
        [.. certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(san => san.EnumerateDnsNames())];
}
