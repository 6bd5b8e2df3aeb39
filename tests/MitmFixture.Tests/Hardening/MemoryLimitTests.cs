using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// Bodies and WebSocket messages over the buffer limit are refused from what their framing announces,
/// before the bytes arrive; those within it are held once (the big figures are in bench/memory.sh).
/// </summary>
public sealed class MemoryLimitTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task ChunkLargerThanTheLimit_Gets413BeforeItsBytesArrive()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        var before = Upstream.Requests;
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var clock = Stopwatch.StartNew();

        // Announces a 16 MiB chunk and sends none of it: the size line alone is enough to refuse.
        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000000\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("1000-byte limit", answer, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task ContentLengthLargerThanTheLimit_Gets413BeforeItsBytesArrive()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000001\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 413 ", await raw.ReadAsync(timeoutMs: 5000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedBodyWithinTheLimit_IsBufferedWhole()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 300_000 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var chunk = new string('x', 70_000); // more than one 64 KiB segment per chunk

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{chunk.Length:x}\r\n{chunk}\r\n{chunk.Length:x}\r\n{chunk}\r\n0\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Equal(140_000, Assert.Single(harness.Proxy.Flows.Snapshot()).Request.Body!.Length);
    }

    [Fact]
    public async Task ChunkedBodyPastOneMebibyte_IsForwardedFromItsSegmentsWithoutAContiguousCopy()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 4 * 1024 * 1024 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var body = new string('a', 2_500_000) + "end";

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/segments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 10_000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.EndsWith("\n\n" + body, answer, StringComparison.Ordinal); // the origin echoed every byte
        var request = Assert.Single(harness.Proxy.Flows.Snapshot()).Request;
        Assert.Null(request.BodyForWriting!.SingleArray); // forwarded and kept as received: never joined
        Assert.Equal(body.Length, request.BodyLength);
        Assert.Equal(body, request.Text); // an addon or recorder asking for it still gets the whole body
        Assert.NotNull(request.BodyForWriting!.SingleArray);
    }

    [Theory]
    [InlineData(new byte[] { 0x82, 0xFF, 0, 0, 0, 0, 0x01, 0, 0, 0, 1, 2, 3, 4 }, "frame of 16777216 bytes exceeds the 1000-byte limit")] // announces 16 MiB, sends none
    [InlineData(new byte[] { 0x02, 0xFE, 0x01, 0xF4, 1, 2, 3, 4 }, "message exceeds the 1000-byte limit")] // a first fragment of 500 bytes, then one of 501
    public async Task WebSocketMessageOverTheLimit_ClosedWith1009AndTheFlowSaysWhy(byte[] start, string reason)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"GET {Upstream.HttpUrl}/ws HTTP/1.1\r\nHost: 127.0.0.1:{Upstream.HttpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101", await raw.ReadAsync("\r\n\r\n"), StringComparison.Ordinal);

        var frames = new List<byte>(start);
        if (start[0] == 0x02)
        {
            frames.AddRange(new byte[500]); // the first fragment's payload (all zero: the mask XORs it)
            frames.AddRange(new byte[] { 0x80, 0xFE, 0x01, 0xF5, 1, 2, 3, 4 }); // the last fragment's header: 501 more
        }

        await raw.Stream.WriteAsync(frames.ToArray(), TestContext.Current.CancellationToken);
        var close = Encoding.Latin1.GetBytes(await raw.ReadAsync(timeoutMs: 5000));

        Assert.True(close.Length >= 4 && close[0] == 0x88 && ((close[2] << 8) | close[3]) == 1009, Convert.ToHexString(close));
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error?.Message.Contains(reason, StringComparison.Ordinal) == true);
        Assert.Equal(1009, harness.Proxy.Flows.Snapshot().Single().WebSocket!.CloseCode);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 3)]
    [InlineData(true, 1)]
    [InlineData(true, 3)]
    public async Task WebSocketMessageNearTheLimit_IsRelayedWholeAndRecorded(bool streamed, int fragments)
    {
        const int Limit = 1024 * 1024;
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamWebSockets = streamed, Limits = o.Limits with { MaxBufferedBodyBytes = Limit } });
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(harness.Proxy.Url);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Upstream.HttpPort}/ws"), TestContext.Current.CancellationToken);
        var message = TestUpstream.Pattern(Limit - 10);

        var part = message.Length / fragments;
        for (var i = 0; i < fragments; i++)
        {
            var last = i == fragments - 1;
            await socket.SendAsync(message.AsMemory(i * part, last ? message.Length - (i * part) : part), WebSocketMessageType.Binary, last, TestContext.Current.CancellationToken);
        }

        var echoed = new MemoryStream();
        var buffer = new byte[64 * 1024];
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(), TestContext.Current.CancellationToken);
            echoed.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);

        Assert.Equal(message, echoed.ToArray());
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.WebSocket?.TimestampEnd is not null);
        var flow = harness.Proxy.Flows.Snapshot().Single();
        Assert.Null(flow.Error);
        Assert.Equal(2, flow.WebSocket!.Messages.Count);
        var fromClient = flow.WebSocket.Messages[0];
        Assert.NotNull(fromClient.ContentForWriting.SingleArray); // up to 1 MiB, one exact array however it was framed
        Assert.All(flow.WebSocket.Messages, m => Assert.Equal(message, m.Content));
    }

    [Fact]
    public async Task FragmentedWebSocketMessagePastOneMebibyte_IsRelayedFromItsSegmentsWithoutJoining()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 4 * 1024 * 1024 } });
        using var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(harness.Proxy.Url);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{Upstream.HttpPort}/ws"), TestContext.Current.CancellationToken);
        var message = TestUpstream.Pattern(2_500_000);

        await socket.SendAsync(message.AsMemory(0, 1_000_000), WebSocketMessageType.Binary, false, TestContext.Current.CancellationToken);
        await socket.SendAsync(message.AsMemory(1_000_000), WebSocketMessageType.Binary, true, TestContext.Current.CancellationToken);
        var echoed = new MemoryStream();
        var buffer = new byte[64 * 1024];
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(), TestContext.Current.CancellationToken);
            echoed.Write(buffer, 0, received.Count);
        }
        while (!received.EndOfMessage);

        Assert.Equal(message, echoed.ToArray());
        var fromClient = harness.Proxy.Flows.Snapshot().Single().WebSocket!.Messages[0];
        Assert.Null(fromClient.ContentForWriting.SingleArray); // relayed as held: never joined
        Assert.Equal(message, fromClient.Content); // joined once asked
        Assert.NotNull(fromClient.ContentForWriting.SingleArray);
    }
}
