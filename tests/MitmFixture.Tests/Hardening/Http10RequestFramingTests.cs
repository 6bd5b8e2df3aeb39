using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// HTTP/1.0 has no chunked coding: a recipient treats an HTTP/1.0 message with Transfer-Encoding as
/// faulty framing (RFC 9112 §6.1), and one that ignores it reads the chunks as the next request. A
/// request sent as HTTP/1.0 (a cassette's, re-sent) goes with a Content-Length, its trailers left
/// behind, as an HTTP/1.0 client's answer is sent without its trailers.
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
}
