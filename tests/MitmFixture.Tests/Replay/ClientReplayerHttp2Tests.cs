using System.Net;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>Client-side replay of flows recorded over HTTP/2, against a real Kestrel server (h2 over TLS, and HTTP/1.1 only).</summary>
public sealed class ClientReplayerHttp2Tests : H2UpstreamTests
{
    private static HttpRequestMessage H2(HttpMethod method, string url, string? body = null) => new(method, url)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = body is null ? null : new StringContent(body),
    };

    /// <summary>Flows as a recording holds them: made by an h2 client through the proxy.</summary>
    private async Task<IReadOnlyList<Flow>> RecordAsync(params HttpRequestMessage[] requests)
    {
        await using var recorder = await StartProxyAsync();
        var client = recorder.CreateClient();
        foreach (var request in requests)
        {
            using (request)
            using (var response = await client.SendAsync(request, Cancel))
            {
                await response.Content.ReadAsByteArrayAsync(Cancel);
            }
        }

        return recorder.Proxy.Flows.Snapshot();
    }

    [Fact]
    public async Task RecordedH2Flows_AreReplayedOverH2_TrailersIncluded()
    {
        var recorded = await RecordAsync(
            H2(HttpMethod.Get, $"{Upstream.H2Url}/echo/a?x=1"),
            H2(HttpMethod.Post, $"{Upstream.H2Url}/echo/post", "posted again"),
            H2(HttpMethod.Get, $"{Upstream.H2Url}/trailers"));
        Assert.All(recorded, f => Assert.Equal("HTTP/2.0", f.Request.HttpVersion));
        await using var replayer = await StartProxyAsync();
        var before = Upstream.Requests;

        var result = await ClientReplayer.RunAsync(recorded, replayer.Proxy.ReplayAsync, cancellationToken: Cancel);

        Assert.Equal(0, result.Failed);
        Assert.Equal(before + 3, Upstream.Requests);
        Assert.All(result.Flows, f => Assert.Equal("HTTP/2.0", f.Response!.HttpVersion));
        Assert.All(result.Flows, f => Assert.Equal("h2", f.Server.Alpn));
        Assert.All(result.Flows, f => Assert.Equal(ReplayKind.Request, f.Replay));
        Assert.StartsWith("HTTP/2 GET /echo/a?x=1\n", result.Flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.EndsWith("\nposted again", result.Flows[1].Response!.Text, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/2 POST /echo/post\n", result.Flows[1].Response!.Text, StringComparison.Ordinal);
        Assert.Equal("body before trailers", result.Flows[2].Response!.Text);
        Assert.Equal("abc123", result.Flows[2].Response!.Trailers!.Get("x-checksum"));
    }

    [Fact]
    public async Task RecordedH2Flow_ServerNowSpeaksOnlyHttp11_IsReplayedOverHttp11AndTheLogSaysWhy()
    {
        var recorded = await RecordAsync(H2(HttpMethod.Get, $"{Upstream.Http11Url}/echo/downgraded"));
        Assert.Equal("HTTP/2.0", Assert.Single(recorded).Request.HttpVersion);
        var logs = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var replayer = await StartProxyAsync(o => o with { LoggerFactory = logging });

        var flow = await replayer.Proxy.ReplayAsync(recorded[0].Request.Clone(), Cancel);

        Assert.Null(flow.Error);
        Assert.Equal("HTTP/1.1", flow.Response!.HttpVersion);
        Assert.Equal("http/1.1", flow.Server.Alpn);
        Assert.StartsWith("HTTP/1.1 GET /echo/downgraded\n", flow.Response.Text, StringComparison.Ordinal);
        Assert.Contains(logs.Messages, m => m.Contains("recorded over HTTP/2, went over HTTP/1.1", StringComparison.Ordinal) && m.Contains("http/1.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordedH2Flow_Http2Off_IsReplayedOverHttp11()
    {
        var recorded = await RecordAsync(H2(HttpMethod.Get, $"{Upstream.H2Url}/echo/no-h2"));
        await using var replayer = await StartProxyAsync(o => o with { Http2 = false });

        var flow = await replayer.Proxy.ReplayAsync(recorded[0].Request.Clone(), Cancel);

        Assert.Equal("HTTP/1.1", flow.Response!.HttpVersion);
        Assert.StartsWith("HTTP/1.1 GET /echo/no-h2\n", flow.Response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordedHttp11Flow_ToAnH2Server_StaysHttp11()
    {
        var recorded = await RecordAsync(new HttpRequestMessage(HttpMethod.Get, $"{Upstream.H2Url}/echo/http11"));
        Assert.Equal("HTTP/1.1", Assert.Single(recorded).Request.HttpVersion);
        await using var replayer = await StartProxyAsync();

        var flow = await replayer.Proxy.ReplayAsync(recorded[0].Request.Clone(), Cancel);

        Assert.Equal("HTTP/1.1", flow.Response!.HttpVersion); // as mitmproxy: the recorded protocol, not an upgrade
        Assert.StartsWith("HTTP/1.1 GET /echo/http11\n", flow.Response.Text, StringComparison.Ordinal);
    }
}
