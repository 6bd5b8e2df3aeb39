using System.Net;
using System.Net.WebSockets;
using System.Text;
using MitmFixture.Flows;
using WebSocketMessageType = System.Net.WebSockets.WebSocketMessageType;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class WebSocketTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Echo_ThroughProxy_RecordsEveryMessageAndTheClose(bool secure)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        using var socket = await ConnectAsync(harness, secure);

        var reply = await SendAndReceiveAsync(socket, "hello");
        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, TestContext.Current.CancellationToken);
        var binary = new byte[16];
        var received = await socket.ReceiveAsync(binary, TestContext.Current.CancellationToken);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);

        Assert.Equal("echo: hello", reply);
        Assert.Equal(3, received.Count);
        var flow = await WaitForWebSocketEndAsync(harness);
        Assert.Equal(101, flow.Response!.StatusCode);
        var messages = flow.WebSocket!.Messages;
        Assert.Equal(4, messages.Count);
        Assert.True(messages[0].FromClient);
        Assert.Equal("hello", messages[0].Text);
        Assert.False(messages[1].FromClient);
        Assert.Equal("echo: hello", messages[1].Text);
        Assert.Equal(MitmFixture.Flows.WebSocketMessageType.Binary, messages[2].Type);
        Assert.Equal(1000, flow.WebSocket.CloseCode);
        Assert.True(flow.WebSocket.ClosedByClient);
    }

    [Fact]
    public async Task Upgrade_SecWebSocketExtensionsRemovedBothWays()
    {
        // permessage-deflate would make the recorded messages compressed bytes (RFC 7692); the proxy
        // removes the offer from the request and any acceptance from the answer.
        const string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
        await using var server = new ScriptedServer(n => n == 0 ? answer : null);
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"GET {server.Url}/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n");
        var head = await client.ReadAsync("\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 101", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", head, StringComparison.OrdinalIgnoreCase);
        var seen = Assert.Single(server.Heads);
        Assert.Contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("Sec-WebSocket-Extensions", seen, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Addon_ChangesAndDropsMessages()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [new ShoutingAddon()] });
        using var socket = await ConnectAsync(harness, secure: false);

        await socket.SendAsync("drop me"u8.ToArray(), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var reply = await SendAndReceiveAsync(socket, "quiet");

        Assert.Equal("echo: QUIET", reply);
    }

    [Fact]
    public async Task StreamWebSockets_ForwardsFramesAndStillRecords()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamWebSockets = true, Addons = [new ShoutingAddon()] });
        using var socket = await ConnectAsync(harness, secure: false);

        var reply = await SendAndReceiveAsync(socket, "quiet");
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", TestContext.Current.CancellationToken);

        Assert.Equal("echo: quiet", reply); // addons do not see streamed messages
        var flow = await WaitForWebSocketEndAsync(harness);
        Assert.Equal(["quiet", "echo: quiet"], flow.WebSocket!.Messages.Select(m => m.Text));
    }

    private async Task<ClientWebSocket> ConnectAsync(ProxyHarness harness, bool secure)
    {
        var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(harness.Proxy.Url);
        socket.Options.RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback();
        var url = secure ? $"wss://localhost:{Upstream.HttpsPort}/ws" : $"ws://127.0.0.1:{Upstream.HttpPort}/ws";
        await socket.ConnectAsync(new Uri(url), TestContext.Current.CancellationToken);
        return socket;
    }

    private static async Task<string> SendAndReceiveAsync(ClientWebSocket socket, string text)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var buffer = new byte[1024];
        var result = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private static async Task<Flow> WaitForWebSocketEndAsync(ProxyHarness harness)
    {
        for (var i = 0; i < 100; i++)
        {
            if (harness.Proxy.Flows.Snapshot().SingleOrDefault() is { WebSocket.TimestampEnd: not null } flow)
            {
                return flow;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("the WebSocket flow did not end within 5 s");
    }

    /// <summary>Uppercases client text messages and drops those that say "drop me".</summary>
    private sealed class ShoutingAddon : ProxyAddon
    {
        public override ValueTask WebSocketMessageAsync(Flow flow, WebSocketMessage message, CancellationToken cancellationToken)
        {
            if (message.FromClient && message.IsText)
            {
                message.Dropped = message.Text == "drop me";
                message.Text = message.Text.ToUpperInvariant();
            }

            return default;
        }
    }
}
