using System.Net;
using System.Text;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// stream_large_bodies on the path from an HTTP/1.1 client to a server reached over HTTP/2 (here
/// <c>reverse:h2c://</c>; h2-only TLS servers take the same path): bodies past the threshold stream
/// both ways instead of being held or refused.
/// </summary>
public sealed class Http2ForwarderStreamingTests : H2UpstreamTests
{
    private const long Threshold = 1024;

    private Task<ProxyHarness> ReverseAsync(string target, long? streamLargeBodies = Threshold) =>
        ProxyHarness.StartAsync(null, o => o with { Mode = ProxyMode.Parse("reverse:" + target), StreamLargeBodies = streamLargeBodies, UpstreamTrustedCertificates = [Upstream.Authority] });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LargeUpload_StreamsToTheH2cServer_WholeAndInOrder(bool chunked)
    {
        await using var harness = await ReverseAsync("h2c://127.0.0.1:" + Upstream.H2cPort);
        var client = harness.CreateClient(useProxy: false);
        var payload = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 20_000).Select(i => $"{i:D6}\n"))); // 140 KB
        using var content = new ByteArrayContent(payload);
        if (chunked)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{harness.Proxy.Port}/echo/up") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await client.SendAsync(request, Cancel);
        var echoed = await response.Content.ReadAsByteArrayAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var head = Encoding.ASCII.GetBytes($"HTTP/2 POST /echo/up\nhost: 127.0.0.1:{Upstream.H2cPort}\n");
        Assert.Equal([.. head, .. payload], echoed);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Request.Stream);
        Assert.Null(flow.Error);
    }

    [Fact]
    public async Task LargeDownload_WithALength_StreamsWithThatLength()
    {
        await using var harness = await ReverseAsync("h2c://127.0.0.1:" + Upstream.H2cPort);
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/bytes/300000", HttpCompletionOption.ResponseHeadersRead, Cancel);
        var body = await response.Content.ReadAsByteArrayAsync(Cancel);

        Assert.Equal(300_000, response.Content.Headers.ContentLength);
        Assert.Equal(TestUpstream.Pattern(300_000), body);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Response!.Stream);
        Assert.Null(flow.Response.Body); // streamed, not held
    }

    [Fact]
    public async Task StreamedAnswerWithoutLength_IsChunked_AndTheServersTrailersFollow()
    {
        await using var harness = await ReverseAsync("h2c://127.0.0.1:" + Upstream.H2cPort, streamLargeBodies: 8);
        var completed = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Proxy.Flows.FlowCompleted += f => completed.TrySetResult(f);
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/trailers", Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal("body before trailers", text);
        Assert.Equal("abc123", Assert.Single(response.TrailingHeaders.GetValues("x-checksum")));
        var flow = await completed.Task.WaitAsync(Cancel); // the client has every byte a moment before the proxy stores the trailers on the flow
        Assert.True(flow.Response!.Stream);
        Assert.Equal("abc123", flow.Response.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task WithoutStreaming_ABodyOverTheBufferLimit_IsRefusedNamingTheOption()
    {
        await using var harness = await ProxyHarness.StartAsync(null, o => o with
        {
            Mode = ProxyMode.Parse("reverse:h2c://127.0.0.1:" + Upstream.H2cPort),
            Limits = o.Limits with { MaxBufferedBodyBytes = 64 * 1024 },
        });
        var client = harness.CreateClient(useProxy: false);

        using var response = await client.GetAsync($"http://127.0.0.1:{harness.Proxy.Port}/bytes/300000", Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("set stream_large_bodies", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }
}
