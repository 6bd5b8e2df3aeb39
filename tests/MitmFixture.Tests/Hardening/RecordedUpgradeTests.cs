using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// Matching ignores headers, so a plain request can match a recorded WebSocket handshake. A 101 goes
/// only to a client that asked to switch (RFC 9110 §15.2.2), as a live server's does (see HTTP
/// behaviour in the README): replay answers such a request with a 502 saying why, never a 101 and frames.
/// </summary>
public sealed class RecordedUpgradeTests
{
    [Fact]
    public async Task ServerReplay_PlainRequestMatchingAWebSocketRecording_Is502NotA101()
    {
        await using var harness = await ReplayingAsync("http");
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync("GET http://api.test/ws HTTP/1.1\r\nHost: api.test\r\n\r\n");
        var answer = await raw.ReadAsync(until: "(RFC 9110");

        Assert.StartsWith("HTTP/1.1 502 ", answer, StringComparison.Ordinal);
        Assert.Contains("X-MitmFixture-Replay-Error: 1\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("did not ask to switch to websocket", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("101", answer[..answer.IndexOf("\r\n", StringComparison.Ordinal)], StringComparison.Ordinal);
    }

    // An HTTP/2 stream cannot be switched at all: Kestrel reset it (PROTOCOL_ERROR) while the flow said 101.
    [Fact]
    public async Task ServerReplay_ToAnHttp2Client_MatchingAWebSocketRecording_Is502()
    {
        await using var harness = await ReplayingAsync("https");
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.test/ws") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await harness.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("did not ask to switch to websocket", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    private static async Task<ProxyHarness> ReplayingAsync(string scheme)
    {
        var request = HttpRequest.Create("GET", $"{scheme}://api.test/ws", null, ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"));
        var response = HttpResponse.Create(101, Array.Empty<byte>(), ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        var webSocket = new WebSocketData();
        webSocket.Add(new WebSocketMessage(WebSocketMessageType.Text, fromClient: false, "hello"u8.ToArray(), DateTimeOffset.UnixEpoch));
        var recorded = new Flow(request) { Response = response, WebSocket = webSocket };

        var replay = new ServerReplayAddon(new ReplayStore([recorded], new ServerReplayOptions()), null, Redactor.Default);
        return await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
    }
}
