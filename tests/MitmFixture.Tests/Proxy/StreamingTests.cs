using System.Globalization;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class StreamingTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const long Size = 64L * 1024 * 1024;

    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task LargeResponse_OverThreshold_IsStreamedNotBuffered()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 1024 * 1024 });

        using var response = await harness.CreateClient().GetAsync($"{Upstream.HttpUrl}/bytes/{Size}", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var total = await CountAsync(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        Assert.Equal(Size, total);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Response!.Stream);
        Assert.Null(flow.Response.Body);
    }

    [Fact]
    public async Task LargeChunkedUpload_OverThreshold_IsStreamedToServer()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 1024 * 1024 });
        using var content = new StreamContent(new PatternStream(Size));

        using var response = await harness.CreateClient().PostAsync($"{Upstream.HttpUrl}/count", content, TestContext.Current.CancellationToken);

        Assert.Equal(Size.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Request.Stream);
        Assert.Null(flow.Request.Body);
    }

    [Fact]
    public async Task StreamedChunkedUpload_WithTrailers_ServerGetsThemAndTheFlowKeepsThem()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 4 });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var authority = new Uri(Upstream.HttpUrl).Authority;

        await raw.SendAsync($"POST {Upstream.HttpUrl}/count HTTP/1.1\r\nHost: {authority}\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\nConnection: close\r\n\r\n" +
            "6\r\nhello \r\n5\r\nworld\r\n0\r\nX-Checksum: abc123\r\n\r\n");
        var answer = await raw.ReadAsync();

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n11", answer, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Request.Stream);
        Assert.Equal("abc123", flow.Request.Trailers!["X-Checksum"]); // kept before the last chunk went on, so before the answer came
    }

    [Fact]
    public async Task BodyOverBufferLimit_WithoutStreaming_Gets413()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });

        using var response = await harness.CreateClient().PostAsync($"{Upstream.HttpUrl}/count", new ByteArrayContent(new byte[5000]), TestContext.Current.CancellationToken);

        Assert.Equal(413, (int)response.StatusCode);
    }

    // The proxy answers 413 from the announced length and closes while the client is still sending:
    // it drains what the client sends on (as nginx's lingering close does), so the client reads the
    // answer instead of a connection reset. 20 MB is more than loopback's socket buffers hold.
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // inside an intercepted TLS tunnel
    public async Task BodyFarOverBufferLimit_TheClientStillReadsThe413(bool https)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });

        using var response = await harness.CreateClient().PostAsync($"{(https ? Upstream.HttpsUrl : Upstream.HttpUrl)}/count", new ByteArrayContent(new byte[20_000_000]), TestContext.Current.CancellationToken);

        Assert.Equal(413, (int)response.StatusCode);
    }

    // A streamed response's hook runs before its end goes to the client, as mitmproxy's does: a client
    // that has the whole body finds the flow finished (recorded, in a fixture scope's flows). The hook
    // here takes 300 ms, so a client that got the end first would see it unfinished.
    [Theory]
    [InlineData("/chunked", 10)] // chunked: the last chunk waits
    [InlineData("/bytes/262144", 64 * 1024)] // Content-Length: the last bytes wait
    public async Task StreamedResponse_ItsEndReachesTheClient_OnlyAfterTheResponseHook(string path, long threshold)
    {
        var hook = new SlowResponseHook(kill: false);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = threshold, Addons = [hook] });

        var body = await harness.CreateClient().GetByteArrayAsync($"{Upstream.HttpUrl}{path}", TestContext.Current.CancellationToken);

        Assert.True(hook.Finished, "the client had the whole body before the response hook finished");
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Response!.Stream);
        Assert.NotNull(flow.Response.TimestampEnd);
        Assert.True(body.Length > threshold);
    }

    [Theory]
    [InlineData("/chunked", 10)]
    [InlineData("/bytes/262144", 64 * 1024)]
    public async Task StreamedResponse_KilledInItsResponseHook_NeverReachesItsEnd(string path, long threshold)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = threshold, Addons = [new SlowResponseHook(kill: true)] });

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => harness.CreateClient().GetByteArrayAsync($"{Upstream.HttpUrl}{path}", TestContext.Current.CancellationToken));

        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Killed);
    }

    private static async Task<long> CountAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            total += n;
        }

        return total;
    }

    private sealed class SlowResponseHook(bool kill) : ProxyAddon
    {
        private volatile bool _finished;

        public bool Finished => _finished;

        public override async ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
        {
            await Task.Delay(300, cancellationToken);
            if (kill)
            {
                flow.Kill();
            }

            _finished = true;
        }
    }
}
