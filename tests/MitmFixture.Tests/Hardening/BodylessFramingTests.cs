using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// An answer without a body (1xx, 204, 304, an answer to HEAD) carries no framing the client could
/// act on: whatever Content-Length or Transfer-Encoding a cassette (or a server) gave it, a 204 goes
/// out with neither (RFC 9110 §8.6, RFC 9112 §6.1), and a 304 keeps one Content-Length only when it is
/// one valid value.
/// </summary>
public sealed class BodylessFramingTests
{
    [Fact]
    public async Task ServerReplay_Recorded204WithFramingFields_GoesOutWithoutThem()
    {
        await using var harness = await ReplayingAsync([Recorded("/none", 204, ("Transfer-Encoding", "chunked"), ("Content-Length", "10")), Recorded("/next", 200)]);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync("GET http://api.test/none HTTP/1.1\r\nHost: api.test\r\n\r\nGET http://api.test/next HTTP/1.1\r\nHost: api.test\r\n\r\n");
        var answers = await raw.ReadAsync(until: "next answer");

        var head = answers[..answers.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith("HTTP/1.1 204 ", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Transfer-Encoding", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Content-Length", head, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\r\n\r\nHTTP/1.1 200 OK\r\n", answers, StringComparison.Ordinal); // the next answer follows the 204 at once
    }

    [Fact]
    public async Task ServerReplay_Recorded304WithConflictingContentLengths_GoesOutWithoutThem()
    {
        await using var harness = await ReplayingAsync([Recorded("/cached", 304, ("ETag", "\"a\""), ("Content-Length", "5"), ("Content-Length", "7"))]);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync("GET http://api.test/cached HTTP/1.1\r\nHost: api.test\r\n\r\n");
        var head = await raw.ReadAsync(until: "\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 304 ", head, StringComparison.Ordinal);
        Assert.Contains("ETag: \"a\"\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", head, StringComparison.OrdinalIgnoreCase);
    }

    // The one valid Content-Length of a 304 says how long the representation is: it stays.
    [Fact]
    public async Task ServerReplay_Recorded304WithOneContentLength_KeepsIt()
    {
        await using var harness = await ReplayingAsync([Recorded("/cached", 304, ("Content-Length", "5"))]);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync("GET http://api.test/cached HTTP/1.1\r\nHost: api.test\r\n\r\n");

        Assert.Contains("\r\nContent-Length: 5\r\n", await raw.ReadAsync(until: "\r\n\r\n"), StringComparison.Ordinal);
    }

    // Kestrel refuses a Content-Length on a 204 once the response starts: the client got a 500 the flow
    // did not show (it said 204), and the log an "unhandled exception was thrown by the application".
    [Fact]
    public async Task ServerReplay_ToAnHttp2Client_Recorded204WithContentLength_Is204()
    {
        await using var harness = await ReplayingAsync([Recorded("/none", 204, ("content-length", "10"))], https: true);
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.test/none") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await harness.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    private static Flow Recorded(string path, int status, params (string Name, string Value)[] headers)
    {
        var response = status == 200 ? HttpResponse.Create(200, "next answer") : HttpResponse.Create(status, Array.Empty<byte>(), headers);
        return new Flow(HttpRequest.Create("GET", "http://api.test" + path)) { Response = response };
    }

    private static async Task<ProxyHarness> ReplayingAsync(Flow[] flows, bool https = false)
    {
        if (https)
        {
            foreach (var flow in flows)
            {
                flow.Request.Scheme = "https";
                flow.Request.Port = 443;
            }
        }

        var replay = new ServerReplayAddon(new ReplayStore(flows, new ServerReplayOptions()), null, Redactor.Default);
        return await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
    }
}
