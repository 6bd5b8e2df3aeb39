using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// h2c with prior knowledge (ClientSession.H2c.cs, ProxyMode's reverse:h2c://) with real clients
/// (HttpClient, curl, nghttp) against a real Kestrel h2c server.
/// </summary>
public sealed class H2cTests : H2UpstreamTests
{
    private Task<ProxyHarness> ReverseAsync(string target, Func<ProxyOptions, ProxyOptions>? configure = null) =>
        ProxyHarness.StartAsync(null, o => (configure?.Invoke(o) ?? o) with { Mode = ProxyMode.Parse("reverse:" + target), UpstreamTrustedCertificates = [Upstream.Authority] });

    private static HttpClient PriorKnowledgeClient() => new(new SocketsHttpHandler { UseProxy = false })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task H2cClient_ReverseModeToH2cServer_IsHttp2OnBothSides()
    {
        await using var harness = await ReverseAsync($"h2c://127.0.0.1:{Upstream.H2cPort}");
        using var client = PriorKnowledgeClient();

        using var response = await client.PostAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/h2c?q=1", new StringContent("over h2c"), Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal($"HTTP/2 POST /echo/h2c?q=1\nhost: 127.0.0.1:{Upstream.H2cPort}\nover h2c", text);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        Assert.Equal("http", flow.Request.Scheme);
        Assert.Equal(Upstream.H2cPort, flow.Request.Port);
        Assert.Equal("over h2c", flow.Request.Text);
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
        Assert.False(flow.Client.TlsEstablished);
        Assert.Null(flow.Client.Alpn); // no TLS, so no ALPN: prior knowledge
    }

    [Fact]
    public async Task Http11Client_ReverseModeToH2cServer_IsTranslatedToHttp2_TrailersIncluded()
    {
        await using var harness = await ReverseAsync($"h2c://127.0.0.1:{Upstream.H2cPort}");
        var client = harness.CreateClient(useProxy: false);

        var text = await client.GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/from-http11", Cancel);
        using var trailers = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/trailers", Cancel);

        Assert.StartsWith("HTTP/2 GET /echo/from-http11\n", text, StringComparison.Ordinal);
        Assert.Equal(HttpVersion.Version11, trailers.Version);
        Assert.Equal("body before trailers", await trailers.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("abc123", Assert.Single(trailers.TrailingHeaders.GetValues("x-checksum"))); // chunked trailers on the HTTP/1.1 side
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.All(flows, f => Assert.Equal("HTTP/1.1", f.Request.HttpVersion));
        Assert.All(flows, f => Assert.Equal("HTTP/2.0", f.Response!.HttpVersion));
        Assert.Equal("abc123", flows[1].Response!.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task H2cClient_ReverseModeToTlsH2Server_SpeaksH2OverTlsUpstream()
    {
        await using var harness = await ReverseAsync(Upstream.H2Url);
        using var client = PriorKnowledgeClient();

        var text = await client.GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/to-tls", Cancel);

        Assert.StartsWith("HTTP/2 GET /echo/to-tls\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("https", flow.Request.Scheme);
        Assert.Equal("h2", flow.Server.Alpn);
    }

    [Fact]
    public async Task H2cClient_AfterConnect_IsServedForTheTunnelledHost()
    {
        await using var harness = await ProxyHarness.StartAsync(null);

        var result = await Curl.RunAsync("--proxytunnel", "-x", harness.Proxy.Url.ToString(), "--http2-prior-knowledge", $"{Upstream.H2cUrl}/echo/tunnelled");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("HTTP/2 GET /echo/tunnelled\n", result.Stdout, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot(), f => f.Request.Method == "GET");
        Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion); // the client chose h2c for this server, so the proxy does too
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Curl_PriorKnowledge_ReverseModeToH2cServer()
    {
        await using var harness = await ReverseAsync($"h2c://127.0.0.1:{Upstream.H2cPort}");

        var result = await Curl.RunAsync("--http2-prior-knowledge", "--include", $"http://127.0.0.1:{harness.Proxy.Port}/echo/curl");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("HTTP/2 200", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("HTTP/2 GET /echo/curl\n", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("HTTP/2.0", Assert.Single(harness.Proxy.Flows.Snapshot()).Request.HttpVersion);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Curl_H2Client_Latin1FieldValues_PassBothWaysToAnHttp11Server()
    {
        // obs-text (RFC 9110 §5.5) passes through the HTTP/1.1 side as bytes; an h2 client's must too,
        // towards the server and back, rather than a 400 or a 502 from the framework's ASCII-only default.
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Back: caf\u00e9\r\nConnection: close\r\n\r\nok", closeAfter: true);
        await using var harness = await ReverseAsync($"http://127.0.0.1:{server.Port}");
        var headerFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(headerFile, Encoding.Latin1.GetBytes("X-Name: caf\u00e9\n"), Cancel);

            var result = await Curl.RunAsync("--http2-prior-knowledge", "--include", "-H", "@" + headerFile, $"http://127.0.0.1:{harness.Proxy.Port}/latin1");

            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.StartsWith("HTTP/2 200", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("x-name: caf\u00e9\r\n", server.Received, StringComparison.OrdinalIgnoreCase); // the byte 0xE9, as sent
            var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
            Assert.Equal("caf\u00e9", flow.Request.Headers.Get("x-name"));
            Assert.Equal("caf\u00e9", flow.Response!.Headers.Get("X-Back"));
        }
        finally
        {
            File.Delete(headerFile);
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Nghttp_ReverseModeToH2cServer_GetsBodyAndTrailers()
    {
        await using var harness = await ReverseAsync($"h2c://127.0.0.1:{Upstream.H2cPort}");

        var (exitCode, stdout, stderr) = await Nghttp.RunAsync($"http://127.0.0.1:{harness.Proxy.Port}/trailers", Cancel);

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("body before trailers", stdout, StringComparison.Ordinal);
        Assert.Contains("x-checksum: abc123", stdout, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("abc123", flow.Response!.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task H2cClient_Http2Off_GetsGoawayHttp11RequiredNamingWhy()
    {
        using var logging = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logging));
        await using var harness = await ReverseAsync(Upstream.H2Url, o => o with { Http2 = false, LoggerFactory = factory });

        var (goaway, closed) = await SendPrefaceAsync(harness.Proxy.Port);

        Assert.Equal(Http2Cleartext.Http11Required, goaway.ErrorCode);
        Assert.Contains("http2=false", goaway.Debug, StringComparison.Ordinal);
        Assert.True(closed);
        Assert.Empty(harness.Proxy.Flows.Snapshot());
        Assert.Contains(logging.Messages, m => m.Contains("h2c", StringComparison.Ordinal) && m.Contains("http2=false", StringComparison.Ordinal));
    }

    [Fact]
    public async Task H2cClient_RegularMode_GetsGoawayHttp11Required()
    {
        await using var harness = await ProxyHarness.StartAsync(null);

        var (goaway, closed) = await SendPrefaceAsync(harness.Proxy.Port);

        Assert.Equal(Http2Cleartext.Http11Required, goaway.ErrorCode);
        Assert.Contains("known server", goaway.Debug, StringComparison.Ordinal);
        Assert.True(closed);
    }

    [Fact]
    public async Task Http11Client_ReverseMode_StillServedBesideH2c()
    {
        await using var harness = await ReverseAsync(Upstream.Http11Url);
        var client = harness.CreateClient(useProxy: false);

        var text = await client.GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/plain", Cancel);

        Assert.StartsWith("HTTP/1.1 GET /echo/plain\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11UpgradeToH2c_IsRemoved_TheExchangeStaysHttp11()
    {
        await using var server = new ScriptedServer(_ => "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var harness = await ProxyHarness.StartAsync(null);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"GET {server.Url}/up HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nConnection: Upgrade, HTTP2-Settings, keep-alive\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");

        Assert.EndsWith("\r\n\r\nok", await client.ReadAsync(until: "\r\n\r\nok"), StringComparison.Ordinal);
        var head = Assert.Single(server.Heads);
        Assert.DoesNotContain("h2c", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("HTTP2-Settings", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nConnection: keep-alive", head, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.False(flow.Request.Headers.Contains("Upgrade"));
        Assert.Equal(200, flow.Response!.StatusCode);
    }

    /// <summary>Sends the preface and an empty SETTINGS frame as an h2c client would; returns the GOAWAY that came back and whether the proxy then closed.</summary>
    private static async Task<((uint ErrorCode, string Debug) Goaway, bool Closed)> SendPrefaceAsync(int port)
    {
        await using var client = await RawClient.ConnectAsync(port);
        await client.Stream.WriteAsync(Http2Cleartext.Preface.ToArray().Concat(new byte[] { 0, 0, 0, 0x4, 0, 0, 0, 0, 0 }).ToArray(), Cancel);
        var bytes = Encoding.Latin1.GetBytes(await client.ReadAsync());
        for (var at = 0; at + 9 <= bytes.Length;)
        {
            var length = (bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2];
            if (bytes[at + 3] == 0x7)
            {
                var payload = bytes.AsSpan(at + 9, length);
                return ((BinaryPrimitives.ReadUInt32BigEndian(payload[4..]), Encoding.UTF8.GetString(payload[8..])), client.Closed);
            }

            at += 9 + length;
        }

        throw new global::Xunit.Sdk.XunitException($"no GOAWAY in {bytes.Length} bytes: {Convert.ToHexString(bytes)}");
    }
}
