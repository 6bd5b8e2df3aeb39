using System.Net;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class ModeTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Reverse_PlainTarget_ForwardsOriginFormRequestsAndRewritesHost()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Mode = ProxyMode.Reverse(Upstream.HttpUrl) });
        var client = harness.CreateClient(useProxy: false);

        var text = await client.GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/rev", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/rev", text, StringComparison.Ordinal);
        Assert.Contains($"Host: 127.0.0.1:{Upstream.HttpPort}", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal(Upstream.HttpPort, flow.Request.Port);
    }

    [Fact]
    public async Task Reverse_KeepHostHeader_LeavesTheClientsHost()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Mode = ProxyMode.Reverse(Upstream.HttpUrl), KeepHostHeader = true });
        var client = harness.CreateClient(useProxy: false);

        var text = await client.GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/rev", TestContext.Current.CancellationToken);

        Assert.Contains($"Host: 127.0.0.1:{harness.Proxy.Port}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reverse_HttpsTargetWithTlsClient_BothSidesEncrypted()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Mode = ProxyMode.Reverse(Upstream.HttpsUrl) });
        var client = harness.CreateClient(useProxy: false);

        var text = await client.GetStringAsync($"https://localhost:{harness.Proxy.Port}/echo/rev-tls", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/rev-tls", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Client.TlsEstablished);
        Assert.Equal("https", flow.Request.Scheme);
    }

    [Fact]
    public async Task Reverse_WithCurl_PlainClientToHttpsTarget()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Mode = ProxyMode.Reverse(Upstream.HttpsUrl) });

        var result = await Curl.RunAsync($"http://127.0.0.1:{harness.Proxy.Port}/echo/curl-rev");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("GET /echo/curl-rev", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reverse_AbsentServer_Gives502()
    {
        using var closed = new ClosedPort();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Mode = ProxyMode.Reverse(closed.HttpUrl) });
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upstream_ChainsThroughAnotherProxy(bool https)
    {
        await using var outer = await ProxyHarness.StartAsync(Upstream);
        await using var inner = await ProxyHarness.StartAsync(Upstream, o => o with
        {
            Mode = ProxyMode.Upstream(outer.Proxy.Url.ToString().TrimEnd('/')),
            UpstreamTrustedCertificates = [outer.Authority.Certificate],
        });
        var client = inner.CreateClient();
        var url = https ? $"{Upstream.HttpsUrl}/echo/chain" : $"{Upstream.HttpUrl}/echo/chain";

        var text = await client.GetStringAsync(url, TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/chain", text, StringComparison.Ordinal);
        Assert.Single(inner.Proxy.Flows.Snapshot());
        Assert.Equal(https ? "https" : "http", Assert.Single(outer.Proxy.Flows.Snapshot()).Request.Scheme);
    }

    [Theory]
    [InlineData("regular", ProxyModeKind.Regular, null)]
    [InlineData("reverse:https://example.com", ProxyModeKind.Reverse, "https://example.com/")]
    [InlineData("reverse:http://example.com:8443/", ProxyModeKind.Reverse, "http://example.com:8443/")]
    [InlineData("upstream:http://proxy", ProxyModeKind.Upstream, "http://proxy/")]
    [InlineData("upstream:http://127.0.0.1:3128", ProxyModeKind.Upstream, "http://127.0.0.1:3128/")]
    // Without a scheme, mitmproxy's rule: https for no port or 443, http for any other port.
    [InlineData("upstream:proxy:3128", ProxyModeKind.Upstream, "http://proxy:3128/")]
    [InlineData("reverse:example.com", ProxyModeKind.Reverse, "https://example.com/")]
    [InlineData("reverse:example.com:443/", ProxyModeKind.Reverse, "https://example.com/")]
    [InlineData("reverse:example.com:8443", ProxyModeKind.Reverse, "http://example.com:8443/")]
    [InlineData("reverse:[::1]:8080", ProxyModeKind.Reverse, "http://[::1]:8080/")]
    [InlineData("reverse:[::1]", ProxyModeKind.Reverse, "https://[::1]/")]
    public void Parse_ValidSpecs(string spec, ProxyModeKind kind, string? target)
    {
        var mode = ProxyMode.Parse(spec);

        Assert.Equal(kind, mode.Kind);
        Assert.Equal(target, mode.Target?.ToString());
    }

    [Theory]
    [InlineData("reverse:h2c://127.0.0.1:5000", "http://127.0.0.1:5000/", "reverse:h2c://127.0.0.1:5000")]
    [InlineData("reverse:H2C://grpc.internal", "http://grpc.internal/", "reverse:h2c://grpc.internal")]
    public void Parse_H2cTarget_IsAnHttpTargetSpokenToWithPriorKnowledge(string spec, string target, string shown)
    {
        var mode = ProxyMode.Parse(spec);

        Assert.Equal(ProxyModeKind.Reverse, mode.Kind);
        Assert.Equal(target, mode.Target!.ToString());
        Assert.True(mode.Http2PriorKnowledge);
        Assert.Equal(shown, mode.ToString());
        Assert.Equal(mode, ProxyMode.Parse(mode.ToString()));
        Assert.False(ProxyMode.Parse("reverse:http://127.0.0.1:5000").Http2PriorKnowledge);
    }

    [Fact]
    public void Validate_H2cTargetWithHttp2Off_IsAnError()
    {
        var errors = new ProxyOptions { Mode = ProxyMode.Parse("reverse:h2c://127.0.0.1:5000"), Http2 = false }.Validate();

        Assert.Contains(errors, e => e.Contains("reverse:h2c://127.0.0.1:5000", StringComparison.Ordinal) && e.Contains("http2=false", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("upstream:h2c://proxy:1", "h2c:// is for a reverse-mode server")]
    [InlineData("transparent", "expected regular, socks5, reverse:URL or upstream:URL")]
    [InlineData("reverse:", "expected regular, socks5, reverse:URL or upstream:URL")]
    [InlineData("reverse:ftp://x", "expected reverse:[http(s)://]host[:port]")]
    [InlineData("upstream:https://proxy:1", "must be reached over http://")]
    [InlineData("upstream:notaurl", "mode 'upstream:notaurl': the upstream proxy must be reached over http:// (with no scheme and no port or port 443, https:// is meant, as in mitmproxy)")] // was read as http://notaurl
    [InlineData("upstream:http://", "expected upstream:[http://]host[:port]")]
    [InlineData("upstream:http://proxy:99999", "expected upstream:[http://]host[:port]")]
    [InlineData("upstream:http://proxy:3128/path", "expected upstream:[http://]host[:port]")] // a path was dropped unread
    [InlineData("upstream:http://proxy:3128?x", "expected upstream:[http://]host[:port]")]
    [InlineData("upstream:http://user:pw@proxy:3128", "expected upstream:[http://]host[:port]")]
    [InlineData("reverse:example.com:8443/x", "expected reverse:[http(s)://]host[:port] or reverse:h2c://host[:port]")]
    [InlineData("reverse:https://example.com/api", "expected reverse:[http(s)://]host[:port]")]
    [InlineData("reverse:h2c://grpc.internal/x", "expected reverse:[http(s)://]host[:port]")]
    public void Parse_InvalidSpecs_SayWhatWasExpected(string spec, string message)
    {
        var error = Assert.Throws<FormatException>(() => ProxyMode.Parse(spec));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
