using System.Net;
using System.Net.WebSockets;
using System.Text;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// WebSockets from clients that speak HTTP/2 to the proxy: the proxy does not offer the extended
/// CONNECT (RFC 8441), so they open their WebSockets over HTTP/1.1, which is intercepted and recorded.
/// </summary>
public sealed class Http2WebSocketTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static HttpMessageInvoker ProxiedInvoker(ProxyHarness harness) => new(new SocketsHttpHandler
    {
        Proxy = new WebProxy(harness.Proxy.Url),
        UseProxy = true,
        SslOptions = { RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback() },
    });

    [Fact]
    public async Task ClientWebSocketPreferringH2_FallsBackToHttp11_AndTheMessagesAreRecorded()
    {
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream);
        using var invoker = ProxiedInvoker(harness);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionOrLower;

        await socket.ConnectAsync(new Uri($"wss://localhost:{fixture.Upstream.HttpsPort}/ws"), invoker, Cancel);
        await socket.SendAsync(Encoding.UTF8.GetBytes("over h1"), WebSocketMessageType.Text, true, Cancel);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, Cancel);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", Cancel);

        Assert.Equal("echo: over h1", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().Any(f => f.WebSocket is { TimestampEnd: not null }));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot(), f => f.WebSocket is not null);
        Assert.Equal("HTTP/1.1", flow.Request.HttpVersion);
        Assert.Equal(["over h1", "echo: over h1"], flow.WebSocket!.Messages.Select(m => m.Text));
        Assert.DoesNotContain(harness.Proxy.Flows.Snapshot(), f => f.Request.Method == "CONNECT" && f.Request.HttpVersion == "HTTP/2.0");
    }

    [Fact]
    public async Task ExtendedConnectSentAnyway_IsRefused_AndNeverReachesTheServer()
    {
        await using var upstream = await H2Upstream.StartAsync();
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Mode = MitmFixture.Proxy.ProxyMode.Reverse(upstream.H2Url), UpstreamTrustedCertificates = [upstream.Authority] });
        await using var client = await H2FrameClient.ConnectAsync(harness.Proxy.Port, harness.Authority.CreateValidationCallback(), Cancel);

        var block = H2FrameClient.Hpack.Request("CONNECT", "/echo/ws", (":protocol", "websocket"), ("sec-websocket-version", "13"));
        await client.SendAsync(H2FrameClient.Headers, H2FrameClient.EndHeaders, 1, block, Cancel);
        await Eventually.TrueAsync(() => client.FramesOfType(H2FrameClient.Headers) > 0);

        Assert.Equal(0, upstream.Requests);
        Assert.Empty(harness.Proxy.Flows.Snapshot());
    }

    [Fact]
    public void Withdraw_TurnsTheSettingToZero_AndLeavesOtherFramesAlone()
    {
        byte[] settings = [0, 0, 12, 0x4, 0, 0, 0, 0, 0, /* max streams */ 0, 3, 0, 0, 0, 100, /* connect */ 0, 8, 0, 0, 0, 1, /* then a WINDOW_UPDATE */ 0, 0, 4, 0x8, 0, 0, 0, 0, 0, 0, 1, 0, 0];

        var written = MitmFixture.Proxy.Http2ConnectProtocolSetting.Withdraw(settings).ToArray();

        Assert.Equal(settings.Length, written.Length);
        Assert.Equal([0, 8, 0, 0, 0, 0], written[15..21]);
        Assert.Equal(settings[..15], written[..15]);
        Assert.Equal(settings[21..], written[21..]);
        byte[] ack = [0, 0, 0, 0x4, 0x1, 0, 0, 0, 0];
        Assert.Equal(ack, MitmFixture.Proxy.Http2ConnectProtocolSetting.Withdraw(ack).ToArray());
        byte[] truncated = settings[..17];
        Assert.Equal(truncated, MitmFixture.Proxy.Http2ConnectProtocolSetting.Withdraw(truncated).ToArray());
    }
}
