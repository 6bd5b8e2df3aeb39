using System.Diagnostics;
using System.Net;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>HTTP/2 clients through the proxy (ClientSession.Http2.cs, Http2Front, Http2Upstream) against a real Kestrel h2 server.</summary>
public sealed class Http2Tests : H2UpstreamTests
{
    private static HttpRequestMessage H2Get(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    [Fact]
    public async Task H2OnlyClient_ToH2Server_IsOneHttp2FlowEndToEnd()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        using var response = await client.SendAsync(H2Get($"{Upstream.H2Url}/echo/a?q=1"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.StartsWith("HTTP/2 GET /echo/a?q=1\nhost: localhost:" + Upstream.H2Port, text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        Assert.Equal("https", flow.Request.Scheme);
        Assert.Equal("localhost", flow.Request.Host);
        Assert.Equal(Upstream.H2Port, flow.Request.Port);
        Assert.Equal("/echo/a?q=1", flow.Request.Path);
        Assert.Equal($"localhost:{Upstream.H2Port}", flow.Request.Headers.Get("host"));
        Assert.All(flow.Request.Headers, field => Assert.Equal(field.Name.ToLowerInvariant(), field.Name));
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
        Assert.Equal("h2-upstream", flow.Response.Headers.Get("x-served-by"));
        Assert.Equal("h2", flow.Client.Alpn);
        Assert.Equal("h2", flow.Server.Alpn);
        Assert.Equal(text, flow.Response.Text);
    }

    [Fact]
    public async Task H2Client_ServerNeverAnswers_Gets504AfterTheResponseTimeout()
    {
        var time = FakeClock.StartingNow();
        var timeout = TimeSpan.FromSeconds(60);
        await using var harness = await StartProxyAsync(o => o with { TimeProvider = time, Limits = o.Limits with { ResponseTimeout = timeout } });
        var client = harness.CreateClient();
        using (await client.SendAsync(H2Get($"{Upstream.H2Url}/echo/warm"), TestContext.Current.CancellationToken))
        {
            // Both connections are up before the fake clock moves, so only the response waits on it.
        }

        var request = client.SendAsync(H2Get($"{Upstream.H2Url}/slow/600000"), TestContext.Current.CancellationToken);
        var waited = await time.AdvanceUntilAsync(() => request.IsCompleted, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3));
        using var answer = await request;

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
        Assert.Equal(HttpVersion.Version20, answer.Version);
        Assert.InRange(waited, timeout, 2 * timeout);
        var flow = harness.Proxy.Flows.Snapshot().Single(f => f.Request.Path == "/slow/600000");
        Assert.Equal("the server did not answer within 60 s", flow.Error!.Message);
    }

    [Fact]
    public async Task H2Client_ToHttp11OnlyServer_IsTranslated()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        using var request = H2Get($"{Upstream.Http11Url}/echo/post");
        request.Method = HttpMethod.Post;
        request.Content = new StringContent("hello over h2");
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/1.1 POST /echo/post\nhost: localhost:" + Upstream.Http11Port + "\nhello over h2", text);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        Assert.Equal("hello over h2", flow.Request.Text);
        Assert.Equal("HTTP/1.1", flow.Response!.HttpVersion);
        Assert.Equal("http/1.1", flow.Server.Alpn);
    }

    [Fact]
    public async Task H2Response_Trailers_ReachTheClientAndTheFlow()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();

        using var response = await client.SendAsync(H2Get($"{Upstream.H2Url}/trailers"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("body before trailers", text);
        Assert.Equal("abc123", Assert.Single(response.TrailingHeaders.GetValues("x-checksum")));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("abc123", flow.Response!.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task H2Streams_OnOneConnection_AreIndependentFlows()
    {
        await using var harness = await StartProxyAsync();
        var client = harness.CreateClient();
        var cancel = TestContext.Current.CancellationToken;
        await client.SendAsync(H2Get($"{Upstream.H2Url}/echo/warm-up"), cancel); // one connection, then many streams on it

        var clock = Stopwatch.StartNew();
        var slow = client.SendAsync(H2Get($"{Upstream.H2Url}/slow/1500"), cancel);
        var fast = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.SendAsync(H2Get($"{Upstream.H2Url}/bytes/{100_000 + i}"), cancel)));
        var fastDone = clock.Elapsed;
        using var slowResponse = await slow;

        Assert.False(slow.IsCompletedSuccessfully && fastDone > TimeSpan.FromMilliseconds(1500), $"fast streams took {fastDone}, behind the slow one");
        for (var i = 0; i < fast.Length; i++)
        {
            Assert.Equal(TestUpstream.Pattern(100_000 + i), await fast[i].Content.ReadAsByteArrayAsync(cancel));
            fast[i].Dispose();
        }

        Assert.Equal("slept 1500", await slowResponse.Content.ReadAsStringAsync(cancel));
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(22, flows.Count);
        Assert.All(flows, f => Assert.Equal("HTTP/2.0", f.Request.HttpVersion));
    }

    [Fact]
    public async Task Http2Off_H2OnlyClientIsRefused_Http11ClientStillServed()
    {
        await using var harness = await StartProxyAsync(o => o with { Http2 = false });
        var client = harness.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(H2Get($"{Upstream.H2Url}/echo/refused"), TestContext.Current.CancellationToken));
        var text = await client.GetStringAsync($"{Upstream.H2Url}/echo/plain", TestContext.Current.CancellationToken);

        Assert.StartsWith("HTTP/1.1 GET /echo/plain", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_Http2_ThroughProxy_SpeaksH2BothSides()
    {
        await using var harness = await StartProxyAsync();
        var ca = harness.WriteCaFile();

        var result = await Curl.RunAsync("--http2", "-x", harness.Proxy.Url.ToString(), "--cacert", ca, "-w", "\nversion=%{http_version}", $"{Upstream.H2Url}/echo/curl");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("HTTP/2 GET /echo/curl", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("version=2", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("HTTP/2.0", Assert.Single(harness.Proxy.Flows.Snapshot()).Request.HttpVersion);
    }
}
