using System.Net;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>What the console shows of HTTP/2: the version in the list and the views, trailers, and each side's protocol in the Connection tab.</summary>
public class FlowViewHttp2Tests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A real h2 flow: an h2-only HttpClient through the proxy to a Kestrel h2 server, answered with trailers.</summary>
    private static async Task<Flow> RecordH2FlowAsync(string path)
    {
        await using var upstream = await H2Upstream.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(null, o => o with { UpstreamTrustedCertificates = [upstream.Authority] });
        using var request = new HttpRequestMessage(HttpMethod.Get, upstream.H2Url + path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await proxy.CreateClient().SendAsync(request, Ct);
        await response.Content.ReadAsByteArrayAsync(Ct);
        return Assert.Single(proxy.Proxy.Flows.Snapshot());
    }

    [Fact]
    public async Task H2Flow_ListShowsTheVersion_ResponseTabShowsTrailers_ConnectionTabEachSidesProtocol()
    {
        var flow = await RecordH2FlowAsync("/trailers");
        await using var console = await ConsoleHarness.StartAsync(loaded: [flow]);

        Assert.Contains($"{flow.Request.Url} HTTP/2.0", console.ScreenText(160), StringComparison.Ordinal); // the list, as mitmproxy's
        console.Press(Keys.Enter);
        var response = console.ScreenText(160);
        Assert.Contains("HTTP/2.0 200", response, StringComparison.Ordinal);
        Assert.Contains("── trailers: 1 ──", response, StringComparison.Ordinal);
        Assert.Contains("x-checksum: abc123", response, StringComparison.Ordinal);
        Assert.True(response.IndexOf("body before trailers", StringComparison.Ordinal) < response.IndexOf("x-checksum: abc123", StringComparison.Ordinal), "trailers come after the body");

        console.Press(Keys.Tab);
        Assert.Equal(FlowTab.Connection, Assert.IsType<FlowViewScreen>(console.App.Current).Tab);
        var connection = console.ScreenText(160, 60);
        Assert.Matches(@"HTTP version\s+HTTP/2\.0[ ]*\n(.*\n)*ALPN\s+h2[ ]*\n(.*\n)*── Server connection ──[ ]*\n(.*\n)*HTTP version\s+HTTP/2\.0[ ]*\n", connection);
    }

    [Fact]
    public async Task RequestTrailers_AreShownOnTheRequestTab()
    {
        var flow = TestFlows.Send("POST", "https://grpc.test/svc/Method", "payload").Respond(200, "ok");
        flow.Request.HttpVersion = "HTTP/2.0";
        flow.Request.Trailers = new HttpHeaders { { "x-request-sum", "42" } };
        await using var console = await ConsoleHarness.StartAsync(loaded: [flow]);

        console.Press(Keys.Enter, Keys.Tab, Keys.Tab);

        Assert.Equal(FlowTab.Request, Assert.IsType<FlowViewScreen>(console.App.Current).Tab);
        var screen = console.ScreenText();
        Assert.Contains("POST https://grpc.test/svc/Method HTTP/2.0", screen, StringComparison.Ordinal);
        Assert.Contains("── trailers: 1 ──", screen, StringComparison.Ordinal);
        Assert.Contains("x-request-sum: 42", screen, StringComparison.Ordinal);
    }

    [Fact]
    public async Task H2cFlow_ConnectionTabSaysPriorKnowledge()
    {
        await using var upstream = await H2Upstream.StartAsync();
        await using var proxy = await ProxyHarness.StartAsync(null, o => o with { Mode = ProxyMode.Parse($"reverse:h2c://127.0.0.1:{upstream.H2cPort}") });
        var client = proxy.CreateClient(useProxy: false);
        await client.GetStringAsync($"http://127.0.0.1:{proxy.Proxy.Port}/echo/h2c", Ct);
        var flow = Assert.Single(proxy.Proxy.Flows.Snapshot());
        await using var console = await ConsoleHarness.StartAsync(loaded: [flow]);

        console.Press(Keys.Enter, Keys.Tab);

        var screen = console.ScreenText(160, 60);
        Assert.Matches(@"── Client connection ──[ ]*\n(.*\n)*HTTP version\s+HTTP/1\.1[ ]*\n", screen);
        Assert.Matches(@"── Server connection ──[ ]*\n(.*\n)*HTTP version\s+HTTP/2\.0 \(h2c, prior knowledge\)[ ]*\n", screen);
    }

    [Fact]
    public async Task Http11Flow_ListShowsNoVersion()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://plain.test/page").Respond(200, "ok")]);

        Assert.DoesNotContain("HTTP/1.1", console.ScreenText(160), StringComparison.Ordinal);
    }
}
