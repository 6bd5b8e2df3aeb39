using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// HTTP/1.0 has no chunked coding: a recipient treats an HTTP/1.0 message with Transfer-Encoding as
/// faulty framing (RFC 9112 §6.1), and one that ignores it reads the chunks as the next request. A
/// request sent as HTTP/1.0 (a cassette's, re-sent) goes with a Content-Length, its trailers left
/// behind, as an HTTP/1.0 client's answer is sent without its trailers. A live HTTP/1.0 request with
/// Transfer-Encoding is answered 400 and its connection closed, as Kestrel answers it.
/// </summary>
public sealed class Http10RequestFramingTests
{
    [Fact]
    public async Task ClientReplay_Http10RequestWithTrailers_GoesWithAContentLengthNotChunked()
    {
        await using var server = new RawServer("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var harness = await ProxyHarness.StartAsync(null);
        var request = HttpRequest.Create("POST", $"{server.Url}/h10", "hello"u8.ToArray(), ("Content-Type", "text/plain"));
        request.HttpVersion = "HTTP/1.0";
        request.Trailers = new HttpHeaders(("X-Sum", "1"));

        var flow = await harness.Proxy.ReplayAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(200, flow.Response!.StatusCode);
        await Eventually.TrueAsync(() => server.Received.EndsWith("hello", StringComparison.Ordinal));
        var received = server.Received;
        Assert.StartsWith("POST /h10 HTTP/1.0\r\n", received, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", received, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\nContent-Length: 5\r\n", received, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhello", received, StringComparison.Ordinal);
    }

    // RFC 9112 §6.1: a server that receives an HTTP/1.0 message with Transfer-Encoding MUST treat the
    // framing as faulty and close the connection. Streamed or buffered, nothing reaches the server.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task LiveHttp10RequestWithTransferEncoding_400ClosedNothingSentFlowSaysWhy(bool streamed)
    {
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { StreamLargeBodies = streamed ? 1 : null });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"POST {server.Url}/h10 HTTP/1.0\r\nHost: 127.0.0.1:{server.Port}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

        var answer = await raw.ReadAsync();
        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("Transfer-Encoding", answer, StringComparison.Ordinal);
        Assert.True(raw.Closed);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("/h10", flow.Request.Path);
        Assert.Contains("HTTP/1.0 request with Transfer-Encoding", flow.Error?.Message, StringComparison.Ordinal);
        Assert.Equal("", server.Received);

        // The proxy keeps serving: the same request framed by Content-Length goes through.
        await using var next = await RawClient.ConnectAsync(harness.Proxy.Port);
        await next.SendAsync($"POST {server.Url}/h10 HTTP/1.0\r\nHost: 127.0.0.1:{server.Port}\r\nContent-Length: 5\r\n\r\nhello");
        Assert.StartsWith("HTTP/1.1 200 ", await next.ReadAsync(), StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhello", server.Received, StringComparison.Ordinal);
    }
}
