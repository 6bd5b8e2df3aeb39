using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// stream_large_bodies on HTTP/2 streams (ClientSession.Http2Exchange.cs, Http2BodyRelay): a large
/// body is forwarded as it arrives, each way, and kept on the flow within body_size_limit.
/// </summary>
public sealed class Http2StreamingTests : IAsyncLifetime
{
    private const int FirstPart = 64 * 1024;
    private const int Total = 256 * 1024;

    /// <summary>How long a side waits for bytes the other must already have forwarded; a proxy that buffers fails here.</summary>
    private static readonly TimeSpan ForwardLimit = TimeSpan.FromSeconds(10);

    private readonly TaskCompletionSource _clientSawFirstPart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _serverSawFirstPart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private H2Upstream _upstream = null!; // set in InitializeAsync

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await H2Upstream.StartAsync(map: app =>
    {
        // Sends the first part, and the rest only once the client has seen the first part through the proxy.
        app.Map("/gated", async (HttpContext context) =>
        {
            var data = TestUpstream.Pattern(Total);
            context.Response.ContentLength = Total;
            await context.Response.Body.WriteAsync(data.AsMemory(0, FirstPart));
            await context.Response.Body.FlushAsync();
            await _clientSawFirstPart.Task.WaitAsync(ForwardLimit);
            await context.Response.Body.WriteAsync(data.AsMemory(FirstPart));
        });

        // Reads an upload, noting when the first part has arrived (the client sends the rest only then), and answers its size.
        app.Map("/upload", async (HttpContext context) =>
        {
            var buffer = new byte[16 * 1024];
            long received = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                received += read;
                if (received >= FirstPart)
                {
                    _serverSawFirstPart.TrySetResult();
                }
            }

            await context.Response.WriteAsync($"received {received}");
        });
    });

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    [Fact]
    public async Task LargeResponse_WithStreamLargeBodies_ReachesTheClientBeforeTheServerFinishes()
    {
        await using var harness = await StartProxyAsync(o => o with { StreamLargeBodies = 1024 });
        var client = harness.CreateClient();

        using var response = await client.SendAsync(H2(HttpMethod.Get, "/gated"), HttpCompletionOption.ResponseHeadersRead, Cancel);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        var received = new MemoryStream();
        using (var early = CancellationTokenSource.CreateLinkedTokenSource(Cancel))
        {
            early.CancelAfter(ForwardLimit);
            await ReadAtLeastAsync(body, received, FirstPart, early.Token); // a buffering proxy holds these until the server ends
        }

        _clientSawFirstPart.TrySetResult();
        await body.CopyToAsync(received, Cancel);

        Assert.Equal(TestUpstream.Pattern(Total), received.ToArray());
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Response!.Stream);
        Assert.Equal(TestUpstream.Pattern(Total), flow.Response.Body); // kept as it passed: under body_size_limit
        Assert.DoesNotContain("response_body_cut", flow.Metadata.Keys);
    }

    [Fact]
    public async Task LargeUpload_WithStreamLargeBodies_ReachesTheServerBeforeTheClientFinishes()
    {
        await using var harness = await StartProxyAsync(o => o with { StreamLargeBodies = 1024 });
        var client = harness.CreateClient();
        using var request = H2(HttpMethod.Post, "/upload");
        request.Content = new GatedContent(_serverSawFirstPart.Task);

        using var response = await client.SendAsync(request, Cancel);

        Assert.Equal($"received {Total}", await response.Content.ReadAsStringAsync(Cancel));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Request.Stream);
        Assert.Equal(TestUpstream.Pattern(Total), flow.Request.Body);
    }

    [Fact]
    public async Task StreamedResponse_PastBodySizeLimit_IsForwardedWhole_AndTheFlowSaysItWasCut()
    {
        await using var harness = await StartProxyAsync(o => o with { StreamLargeBodies = 1024, Limits = o.Limits with { MaxBufferedBodyBytes = 100_000 } });
        var client = harness.CreateClient();

        using var response = await client.SendAsync(H2(HttpMethod.Get, "/bytes/300000"), Cancel);

        Assert.Equal(TestUpstream.Pattern(300_000), await response.Content.ReadAsByteArrayAsync(Cancel));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Null(flow.Response!.Body);
        Assert.Contains("body_size_limit (100000 bytes)", (string)flow.Metadata["response_body_cut"]!, StringComparison.Ordinal);
    }

    private Task<ProxyHarness> StartProxyAsync(Func<ProxyOptions, ProxyOptions> configure) =>
        ProxyHarness.StartAsync(null, o => configure(o) with { UpstreamTrustedCertificates = [_upstream.Authority] });

    private HttpRequestMessage H2(HttpMethod method, string path) =>
        new(method, _upstream.H2Url + path) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private static async Task ReadAtLeastAsync(Stream source, MemoryStream into, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (into.Length < count)
        {
            var read = await source.ReadAsync(buffer, cancellationToken);
            Assert.NotEqual(0, read);
            into.Write(buffer, 0, read);
        }
    }

    /// <summary>An upload of unknown length that sends its first part, and the rest once the server has seen that part.</summary>
    private sealed class GatedContent(Task serverSawFirstPart) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var data = TestUpstream.Pattern(Total);
            await stream.WriteAsync(data.AsMemory(0, FirstPart));
            await stream.FlushAsync();
            await serverSawFirstPart.WaitAsync(ForwardLimit);
            await stream.WriteAsync(data.AsMemory(FirstPart));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
