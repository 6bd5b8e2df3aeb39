using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Hostile clients: each gets a defined answer or a closed connection, and the next client is served.</summary>
public sealed class ClientAbuseTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    public static TheoryData<string, string> Requests => new()
    {
        { "GET http://x/ HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n", "501" },
        { "GET http://x/ HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n", "501" },
        { "GET http://x/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "501" },
        { "GET http://x/ HTTP/1.1\r\nContent-Length: 1,2\r\n\r\n", "400" },
        { "GET http://x/ HTTP/1.1\r\nContent-Length: +5\r\n\r\n", "400" },
        { "GET http://x/ HTTP/1.1\r\nX: a\0b\r\n\r\n", "400" },
        { "GET http://x/\0 HTTP/1.1\r\n\r\n", "400" },
        { "CONNECT nohost HTTP/1.1\r\n\r\n", "400" },
        { "CONNECT :443 HTTP/1.1\r\n\r\n", "400" },
        { "CONNECT host:99999 HTTP/1.1\r\n\r\n", "400" },
        { "GET http://x/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", "400" },
        { "GET http://x/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;\x01\r\nhello\r\n0\r\n\r\n", "400" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task HostileRequest_GetsDefinedAnswer(string request, string status)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync(request);

        Assert.StartsWith($"HTTP/1.1 {status} ", await raw.ReadAsync(), StringComparison.Ordinal);
        Assert.StartsWith("GET /echo/ok", await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/ok", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooManyHeaders_Gets431()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var headers = string.Concat(Enumerable.Range(0, 150).Select(i => $"X-{i}: v\r\n"));

        await raw.SendAsync($"GET http://x/ HTTP/1.1\r\n{headers}\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", await raw.ReadAsync(), StringComparison.Ordinal);
    }

    // 8 MB is more than loopback's socket buffers hold: the client is still sending when the 431 is
    // written, and before the lingering close its send failed with a reset and the answer was lost.
    [Fact]
    public async Task HeaderLineOfMegabytes_TheClientFinishesSendingAndReadsThe431()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET http://x/ HTTP/1.1\r\nX-Big: {new string('a', 8_000_000)}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", await raw.ReadAsync(), StringComparison.Ordinal);
        Assert.True(raw.Closed); // the proxy closed after it
    }

    // The lingering close is bounded: a client that never stops sending after its 413 is cut off
    // once ClientSession.LingerTime has passed, and the proxy says so in its log.
    [Fact]
    public async Task ClientThatNeverStopsSending_IsClosedAfterTheLingerTime()
    {
        var log = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Information));
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { LoggerFactory = logging, Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        using var raw = new TcpClient();
        await raw.ConnectAsync("127.0.0.1", harness.Proxy.Port, TestContext.Current.CancellationToken);
        var stream = raw.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST {Upstream.HttpUrl}/echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"), TestContext.Current.CancellationToken);
        var head = new byte[12];
        await stream.ReadExactlyAsync(head, TestContext.Current.CancellationToken);
        Assert.Equal("HTTP/1.1 413", Encoding.ASCII.GetString(head));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var cutOff = false;
        var chunk = new byte[1024];
        while (!cutOff && clock.Elapsed < ClientSession.LingerTime + TimeSpan.FromSeconds(5))
        {
            try
            {
                await stream.WriteAsync(chunk, TestContext.Current.CancellationToken);
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
            catch (IOException)
            {
                cutOff = true;
            }
        }

        Assert.True(cutOff, "the proxy never closed the connection");
        Assert.InRange(clock.Elapsed, ClientSession.LingerTime - TimeSpan.FromSeconds(1), ClientSession.LingerTime + TimeSpan.FromSeconds(3));
        Assert.Contains(log.Messages, m => m.Contains("still sending after its error answer; closed after 5 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TlsGarbageAfterConnect_ClosesThatConnectionOnly()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"CONNECT localhost:{Upstream.HttpsPort} HTTP/1.1\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await raw.ReadAsync("\r\n\r\n"), StringComparison.Ordinal);
        await raw.Stream.WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, TestContext.Current.CancellationToken);
        var rest = await raw.ReadAsync(timeoutMs: 5000);

        Assert.DoesNotContain("HTTP/", rest, StringComparison.Ordinal);
        Assert.StartsWith("GET /echo/ok", await harness.CreateClient().GetStringAsync($"{Upstream.HttpsUrl}/echo/ok", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TruncatedRequestBody_ClosesWithoutContactingServerTwice()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var before = Upstream.Requests;
        var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/t HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly some");
        raw.Stream.Socket.Shutdown(SocketShutdown.Send);
        var answer = await raw.ReadAsync(timeoutMs: 5000);
        await raw.DisposeAsync();

        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), answer);
        Assert.Equal(before, Upstream.Requests);
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error is not null);
    }

    /// <summary>A raw client whose WebSocket upgrade through the proxy was answered 101, for frames no client library would send.</summary>
    private async Task<RawClient> OpenWebSocketAsync(ProxyHarness harness)
    {
        var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"GET {Upstream.HttpUrl}/ws HTTP/1.1\r\nHost: 127.0.0.1:{Upstream.HttpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101", await raw.ReadAsync("\r\n\r\n"), StringComparison.Ordinal);
        return raw;
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x05, (byte)'h', (byte)'e', (byte)'l', (byte)'l', (byte)'o' }, "not masked")]
    [InlineData(new byte[] { 0x83, 0x80, 0, 0, 0, 0 }, "unknown opcode")]
    [InlineData(new byte[] { 0x89, 0xFE, 0x00, 0x80, 0, 0, 0, 0 }, "control frame")]
    [InlineData(new byte[] { 0xC1, 0x80, 0, 0, 0, 0 }, "reserved bits")]
    public async Task WebSocketViolation_ClosesWith1002AndRecordsWhy(byte[] frame, string reason)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await OpenWebSocketAsync(harness);

        await raw.Stream.WriteAsync(frame, TestContext.Current.CancellationToken);
        var close = Encoding.Latin1.GetBytes(await raw.ReadAsync(timeoutMs: 5000));

        Assert.True(close.Length >= 4 && close[0] == 0x88 && ((close[2] << 8) | close[3]) == 1002, Convert.ToHexString(close));
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error?.Message.Contains(reason, StringComparison.Ordinal) == true);
    }

    // A close frame is checked as wsproto checks it for mitmproxy (RFC 6455 §5.5.1, §7.4, §8.1): one no
    // endpoint may send is neither relayed nor recorded, so a recording of it loads (a cassette refuses such a code).
    [Theory]
    [InlineData(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED }, 1002, "close code 1005 is not one an endpoint may send")]
    [InlineData(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE7 }, 1002, "close code 999")]
    [InlineData(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x13, 0x88 }, 1002, "close code 5000")]
    [InlineData(new byte[] { 0x88, 0x81, 0, 0, 0, 0, 0x03 }, 1002, "1-byte payload")]
    [InlineData(new byte[] { 0x88, 0x84, 0, 0, 0, 0, 0x03, 0xE8, 0xC3, 0x28 }, 1007, "close reason is not UTF-8")]
    public async Task WebSocketCloseNoPeerMaySend_ClosedWithItsCodeRecordedAndTheRecordingLoads(byte[] frame, int code, string reason)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await OpenWebSocketAsync(harness);

        await raw.Stream.WriteAsync(frame, TestContext.Current.CancellationToken);
        var close = Encoding.Latin1.GetBytes(await raw.ReadAsync(timeoutMs: 5000));

        Assert.True(close.Length >= 4 && close[0] == 0x88 && ((close[2] << 8) | close[3]) == code, Convert.ToHexString(close));
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault() is { WebSocket.TimestampEnd: not null });
        var flow = harness.Proxy.Flows.Snapshot().Single();
        Assert.Contains(reason, flow.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(code, flow.WebSocket!.CloseCode);
        var cassette = Path.Combine(Path.GetTempPath(), $"mitmfixture-close-{Guid.NewGuid():N}.json");
        try
        {
            Cassette.Save(cassette, [flow]);
            Assert.Equal(code, Assert.Single(Cassette.Load(cassette).Flows).WebSocket!.CloseCode);
        }
        finally
        {
            File.Delete(cassette);
        }
    }
}
