using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// HTTP/1.1 clients of a TLS server that speaks only HTTP/2 (it refuses a handshake offering only
/// http/1.1): the proxy learns it (UpstreamConnector's probe) and translates through the h2 forwarder.
/// </summary>
public sealed class Http2OnlyServerTests : H2UpstreamTests
{
    [Fact]
    public async Task Http11Client_ThroughConnect_IsTranslatedToH2_AndTheSniffLearnsTheCertificate()
    {
        using var logging = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logging));
        await using var harness = await StartProxyAsync(o => o with { LoggerFactory = factory });
        var client = harness.CreateClient(); // HTTP/1.1, ALPN http/1.1 only

        using var first = await client.PostAsync($"{Upstream.H2OnlyUrl}/echo/one", new StringContent("over h1"), Cancel);
        var firstText = await first.Content.ReadAsStringAsync(Cancel);
        var secondText = await client.GetStringAsync($"{Upstream.H2OnlyUrl}/echo/two", Cancel);

        Assert.Equal(HttpVersion.Version11, first.Version);
        Assert.Equal($"HTTP/2 POST /echo/one\nhost: localhost:{Upstream.H2OnlyPort}\nover h1", firstText);
        Assert.StartsWith("HTTP/2 GET /echo/two\n", secondText, StringComparison.Ordinal);
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(2, flows.Count);
        Assert.All(flows, flow =>
        {
            Assert.Equal("HTTP/1.1", flow.Request.HttpVersion);
            Assert.NotEqual("h2", flow.Client.Alpn); // HttpClient offers no ALPN for HTTP/1.1
            Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
            Assert.Equal("h2", flow.Server.Alpn);
            Assert.Null(flow.Error);
        });
        Assert.Single(logging.Entries, e => e.EventId.Id == 35 && e.Message.Contains($"localhost:{Upstream.H2OnlyPort} speaks only HTTP/2", StringComparison.Ordinal));
        Assert.DoesNotContain(logging.Entries, e => e.Message.Contains("Upstream certificate sniffing", StringComparison.Ordinal)); // the probe's certificate was used
    }

    [Fact]
    public async Task Http11Client_ReverseMode_TranslatedWithTrailersAsChunkedTrailers()
    {
        await using var harness = await StartProxyAsync(o => o with { Mode = ProxyMode.Parse("reverse:" + Upstream.H2OnlyUrl) });
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/trailers", HttpCompletionOption.ResponseContentRead, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("body before trailers", text);
        Assert.Equal("abc123", response.TrailingHeaders.GetValues("x-checksum").Single());
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
        Assert.Equal("abc123", flow.Response.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task Curl_Http11_ThroughProxy_GetsTheH2OnlyServersAnswer()
    {
        await using var harness = await StartProxyAsync();
        var ca = harness.WriteCaFile();

        var result = await Curl.RunAsync("--http1.1", "-x", harness.Proxy.Url.ToString(), "--cacert", ca, "-w", "\nversion=%{http_version}", $"{Upstream.H2OnlyUrl}/echo/curl");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("HTTP/2 GET /echo/curl", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("version=1.1", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketHandshake_ToH2OnlyServer_Gets502NamingWhy()
    {
        await using var harness = await StartProxyAsync(o => o with { Mode = ProxyMode.Parse("reverse:" + Upstream.H2OnlyUrl) });
        using var socket = new ClientWebSocket();

        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://127.0.0.1:{harness.Proxy.Port}/ws"), Cancel));

        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal(502, flow.Response?.StatusCode ?? 502);
        Assert.Contains("speaks only HTTP/2", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("RFC 8441", flow.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http2Off_TheServersRefusalStands()
    {
        await using var harness = await StartProxyAsync(o => o with { Http2 = false, Mode = ProxyMode.Parse("reverse:" + Upstream.H2OnlyUrl) });
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/off", Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Contains($"TLS handshake with localhost:{Upstream.H2OnlyPort} failed", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, Upstream.Requests);
    }
}
