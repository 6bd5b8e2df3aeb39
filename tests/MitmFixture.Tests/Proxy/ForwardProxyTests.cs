using System.Net;
using System.Text;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class ForwardProxyTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Get_PlainHttp_ReturnsServerAnswerAndRecordsFlow()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        var text = await client.GetStringAsync($"{Upstream.HttpUrl}/echo/hello?x=1", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/hello?x=1\n", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("http", flow.Request.Scheme);
        Assert.Equal("/echo/hello?x=1", flow.Request.Path);
        Assert.Equal(200, flow.Response!.StatusCode);
        Assert.Equal(text, flow.Response.Text);
        Assert.Null(flow.Error);
        Assert.NotNull(flow.Request.TimestampStart);
        Assert.NotNull(flow.Response.TimestampEnd);
    }

    [Fact]
    public async Task Post_WithBody_ServerReceivesItAndFlowKeepsIt()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        using var response = await client.PostAsync($"{Upstream.HttpUrl}/echo/post", new StringContent("payload=42", Encoding.UTF8, "application/x-www-form-urlencoded"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.EndsWith("\npayload=42", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("payload=42", flow.Request.Text);
    }

    [Fact]
    public async Task KeepAlive_SeveralRequestsOnOneClientConnection_ReuseOneServerConnection()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();
        var before = Upstream.Connections;

        var ids = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync($"{Upstream.HttpUrl}/echo/{i}", TestContext.Current.CancellationToken);
            ids.Add(response.Headers.GetValues("X-Connection-Id").Single());
        }

        Assert.Single(ids);
        Assert.Equal(1, Upstream.Connections - before);
        Assert.Equal(5, harness.Proxy.Flows.Count);
    }

    [Fact]
    public async Task Chunked_ResponseInPieces_ClientGetsWholeBody()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        var body = await client.GetStringAsync($"{Upstream.HttpUrl}/chunked", TestContext.Current.CancellationToken);

        Assert.Equal("part0;part1;part2;part3;part4;", body);
        Assert.Equal(body, Assert.Single(harness.Proxy.Flows.Snapshot()).Response!.Text);
    }

    [Fact]
    public async Task Chunked_ResponseWithTrailer_ClientGetsTrailerAndFlowKeepsIt()
    {
        // Kestrel sends no HTTP/1.1 trailers, so a raw server does.
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc123\r\n\r\n");
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        using var response = await client.GetAsync($"{server.Url}/t", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal("hello", body);
        Assert.Equal("abc123", response.TrailingHeaders.GetValues("X-Checksum").Single());
        Assert.Equal("abc123", Assert.Single(harness.Proxy.Flows.Snapshot()).Response!.Trailers!["X-Checksum"]);
    }

    [Fact]
    public async Task TruncatedResponseBody_Gives502AndErrorFlow()
    {
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        using var response = await client.GetAsync($"{server.Url}/t", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("missing", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedRequest_FromCurl_ServerGetsWholeBody()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var result = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "-H", "Transfer-Encoding: chunked", "--data-binary", "hello chunks", $"{Upstream.HttpUrl}/echo/c");

        Assert.Equal(0, result.ExitCode);
        Assert.EndsWith("\nhello chunks", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("hello chunks", Assert.Single(harness.Proxy.Flows.Snapshot()).Request.Text);
    }

    [Fact]
    public async Task ExpectContinue_ProxyAnswersItAndBodyArrives()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Upstream.HttpUrl}/echo/expect") { Content = new ByteArrayContent(new byte[5000]) };
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal(5000, flow.Request.Body!.Length);
        Assert.False(flow.Request.Headers.Contains("Expect"));
    }

    [Fact]
    public async Task ExpectContinue_FromCurl_IsAnsweredWithoutWaiting()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        // curl waits a second for 100 Continue before sending anyway; --expect100-timeout 10 would make a missing one obvious.
        var result = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--expect100-timeout", "10", "-H", "Expect: 100-continue", "--data-binary", "abc", "-w", "%{time_total}", $"{Upstream.HttpUrl}/echo/e");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("\nabc", result.Stdout, StringComparison.Ordinal);
        var seconds = double.Parse(result.Stdout[(result.Stdout.LastIndexOf("abc", StringComparison.Ordinal) + 3)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(seconds < 5, $"curl waited {seconds} s for 100 Continue");
    }

    [Theory]
    [InlineData("HEAD", "/echo/head", 200)]
    [InlineData("GET", "/status/204", 204)]
    [InlineData("GET", "/status/304", 304)]
    public async Task BodylessResponses_ArriveWithoutBodyAndConnectionStaysUsable(string method, string path, int status)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        using var first = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), Upstream.HttpUrl + path), TestContext.Current.CancellationToken);
        var second = await client.GetStringAsync($"{Upstream.HttpUrl}/echo/after", TestContext.Current.CancellationToken);

        Assert.Equal(status, (int)first.StatusCode);
        Assert.Empty(await first.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("GET /echo/after", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http10Client_GetsAnswerAndConnectionCloses()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/old HTTP/1.0\r\nHost: 127.0.0.1:{Upstream.HttpPort}\r\n\r\n");
        var answer = await raw.ReadAsync();

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("GET /echo/old", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipResponse_KeptEncodedAndDecodable()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        var bytes = await client.GetByteArrayAsync($"{Upstream.HttpUrl}/gzip", TestContext.Current.CancellationToken);

        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal(bytes, flow.Response!.Body);
        Assert.Equal("{\"hello\":\"world\"}", flow.Response.Text);
    }

    [Fact]
    public async Task UpstreamRefused_Gives502AndErrorFlow()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();
        using var closed = new ClosedPort();

        using var response = await client.GetAsync($"{closed.HttpUrl}/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Null(flow.Response);
        Assert.Contains("refused", flow.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_PlainHttpThroughProxy_Works()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var result = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), $"{Upstream.HttpUrl}/echo/curl");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("GET /echo/curl", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port0_ReportsTheChosenPort()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        Assert.NotEqual(0, harness.Proxy.Port);
        Assert.Equal($"http://127.0.0.1:{harness.Proxy.Port}/", harness.Proxy.Url.ToString());
    }
}
