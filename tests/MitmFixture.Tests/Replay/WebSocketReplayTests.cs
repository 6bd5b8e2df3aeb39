using System.Net;
using System.Net.WebSockets;
using System.Text;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>WebSocket replay with the server stopped, which mitmproxy cannot do (its issue #5248).</summary>
public sealed class WebSocketReplayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-wsreplay-").FullName;

    private string CassettePath => Path.Combine(_directory, "ws.json");

    [Fact]
    public async Task ChatExchange_RecordedThenReplayedWithServerStopped()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket =>
        {
            Assert.Equal("echo: one", await ExchangeAsync(socket, "one"));
            Assert.Equal("echo: two", await ExchangeAsync(socket, "two"));
        }, url);
        await upstream.DisposeAsync();

        var recorded = Assert.Single(Cassette.Load(CassettePath).Flows);
        Assert.Equal(4, recorded.WebSocket!.Messages.Count);

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true });
        using var replayed = await ConnectAsync(harness, url);
        Assert.Equal("echo: one", await ExchangeAsync(replayed, "one"));
        Assert.Equal("echo: two", await ExchangeAsync(replayed, "two"));
        await replayed.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ServerPush_PlayedWithoutTheClientAsking()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws-push";
        await RecordAsync(async socket =>
        {
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal($"tick {i}", await ReceiveAsync(socket));
            }
        }, url);
        await upstream.DisposeAsync();

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true, WebSocketPlayDelays = false });
        using var replayed = await ConnectAsync(harness, url);

        Assert.Equal(["tick 1", "tick 2", "tick 3"], [await ReceiveAsync(replayed), await ReceiveAsync(replayed), await ReceiveAsync(replayed)]);
    }

    [Fact]
    public async Task UnexpectedClientMessage_ClosesWith1008AndTheReason()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket => await ExchangeAsync(socket, "expected"), url);
        await upstream.DisposeAsync();

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true });
        using var replayed = await ConnectAsync(harness, url);
        await replayed.SendAsync("surprise"u8.ToArray(), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        var result = await replayed.ReceiveAsync(new byte[1024], TestContext.Current.CancellationToken);

        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal((WebSocketCloseStatus)1008, replayed.CloseStatus);
        Assert.Contains("unexpected message 'surprise'; the recording expects 'expected'", replayed.CloseStatusDescription, StringComparison.Ordinal);
    }

    // The 1008's reason quotes the messages: cut to fit the close frame when sent, and recorded as sent,
    // so a cassette of the replay loads (it refuses a close reason over 123 bytes).
    [Fact]
    public async Task UnexpectedClientMessage_LongNonAsciiText_TheReasonRecordedIsTheOneSent()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket => await ExchangeAsync(socket, new string('é', 50)), url);
        await upstream.DisposeAsync();

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true });
        using var replayed = await ConnectAsync(harness, url);
        await replayed.SendAsync(Encoding.UTF8.GetBytes(new string('日', 50)), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        await replayed.ReceiveAsync(new byte[1024], TestContext.Current.CancellationToken);

        Assert.Equal((WebSocketCloseStatus)1008, replayed.CloseStatus);
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.WebSocket?.CloseReason is not null);
        var flow = harness.Proxy.Flows.Snapshot().Single();
        Assert.Equal(replayed.CloseStatusDescription, flow.WebSocket!.CloseReason);
        var again = Path.Combine(_directory, "again.json");
        Cassette.Save(again, [flow]);
        Assert.Equal(flow.WebSocket.CloseReason, Assert.Single(Cassette.Load(again).Flows).WebSocket!.CloseReason);
    }

    // As a live client's through the relay: a close code no endpoint may send gets 1002 and the flow says why.
    [Fact]
    public async Task ClientCloseWithACodeNoPeerMaySend_Gets1002AndTheFlowSaysWhy()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket => await ExchangeAsync(socket, "one"), url);
        await upstream.DisposeAsync();

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"GET http://127.0.0.1:{upstream.HttpPort}/ws HTTP/1.1\r\nHost: 127.0.0.1:{upstream.HttpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 101", await raw.ReadAsync("\r\n\r\n"), StringComparison.Ordinal);
        await raw.Stream.WriteAsync(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED }, TestContext.Current.CancellationToken); // 1005, masked with zeros

        var close = Encoding.Latin1.GetBytes(await raw.ReadAsync(timeoutMs: 5000));

        Assert.True(close.Length >= 4 && close[0] == 0x88 && ((close[2] << 8) | close[3]) == 1002, Convert.ToHexString(close));
        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error is not null);
        var flow = harness.Proxy.Flows.Snapshot().Single();
        Assert.Contains("close code 1005 is not one an endpoint may send", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(1002, flow.WebSocket!.CloseCode);
    }

    [Fact]
    public async Task ServerPushDelays_AreTheRecordedOnes_CappedAtTenSeconds()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws-push";
        await RecordAsync(async socket =>
        {
            for (var i = 1; i <= 3; i++)
            {
                Assert.Equal($"tick {i}", await ReceiveAsync(socket));
            }
        }, url);
        await upstream.DisposeAsync();
        SetServerMessageTimes(TimeSpan.Zero, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(92)); // 2 s, then 90 s apart

        var time = new InstantTimers();
        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true }, time);
        using var replayed = await ConnectAsync(harness, url);

        Assert.Equal(["tick 1", "tick 2", "tick 3"], [await ReceiveAsync(replayed), await ReceiveAsync(replayed), await ReceiveAsync(replayed)]);
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)], time.Requested);
    }

    [Fact]
    public async Task MatchByOrder_AnyClientMessageInItsPlace_GetsTheRecordedAnswer()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket =>
        {
            Assert.Equal("echo: one", await ExchangeAsync(socket, "one"));
            Assert.Equal("echo: two", await ExchangeAsync(socket, "two"));
        }, url);
        await upstream.DisposeAsync();

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true, WebSocketMatchByOrder = true });
        using var replayed = await ConnectAsync(harness, url);

        Assert.Equal("echo: one", await ExchangeAsync(replayed, "something else"));
        Assert.Equal("echo: two", await ExchangeAsync(replayed, "and another"));
        await replayed.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, replayed.CloseStatus);
    }

    // The recording holds <PASSWORD> where the client sent its password (a JSON message is redacted as
    // a JSON body is); replay redacts the live message the same way before comparing, as it does a request.
    [Fact]
    public async Task MessageCarryingAPassword_RecordedRedacted_MatchesTheLiveMessageCarryingIt()
    {
        const string login = "{\"user\":\"ada\",\"password\":\"hunter2-long-value\"}";
        var upstream = await TestUpstream.StartAsync();
        var url = $"ws://127.0.0.1:{upstream.HttpPort}/ws";
        await RecordAsync(async socket => Assert.Equal("echo: " + login, await ExchangeAsync(socket, login)), url);
        await upstream.DisposeAsync();
        Assert.DoesNotContain("hunter2", await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken), StringComparison.Ordinal);

        await using var harness = await ReplayAsync(new ServerReplayOptions { KillExtra = true }, redactor: Redactor.Default);
        using var replayed = await ConnectAsync(harness, url);

        Assert.Equal("echo: {\"user\":\"ada\",\"password\":\"<PASSWORD>\"}", await ExchangeAsync(replayed, login)); // the recorded answer
        await replayed.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, replayed.CloseStatus);
    }

    /// <summary>Rewrites the recorded server messages' timestamps to the first one's plus the offsets given.</summary>
    private void SetServerMessageTimes(params TimeSpan[] offsets)
    {
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(CassettePath))!;
        var messages = FindMessages(root) ?? throw new InvalidOperationException("no WebSocket messages in the cassette");
        var fromServer = messages.Where(m => (string?)m!["from"] == "server").ToList();
        Assert.Equal(offsets.Length, fromServer.Count);
        var start = DateTimeOffset.Parse((string)fromServer[0]!["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < offsets.Length; i++)
        {
            fromServer[i]!["timestamp"] = (start + offsets[i]).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        File.WriteAllText(CassettePath, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private static System.Text.Json.Nodes.JsonArray? FindMessages(System.Text.Json.Nodes.JsonNode? node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => o.TryGetPropertyValue("messages", out var m) && m is System.Text.Json.Nodes.JsonArray a ? a : o.Select(p => FindMessages(p.Value)).FirstOrDefault(x => x is not null),
        System.Text.Json.Nodes.JsonArray a => a.Select(FindMessages).FirstOrDefault(x => x is not null),
        _ => null,
    };

    /// <summary>
    /// Real time, except that a timer of a minute or less fires at once and its due time is kept:
    /// replay asks for its delays through the proxy's TimeProvider, so the test sees them without
    /// waiting them out. The proxy's own timeouts are set far above a minute (<see cref="ReplayAsync"/>),
    /// so should they come to use the TimeProvider too they stay real and out of the list.
    /// </summary>
    private sealed class InstantTimers : TimeProvider
    {
        public static readonly TimeSpan Longest = TimeSpan.FromMinutes(1);

        private readonly List<TimeSpan> _requested = [];

        public IReadOnlyList<TimeSpan> Requested
        {
            get
            {
                lock (_requested)
                {
                    return _requested.ToArray();
                }
            }
        }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Periodic timers (the proxy's deadline heartbeat) and long ones keep real time; only the replay's delays are instant.
            if (dueTime > Longest || dueTime == Timeout.InfiniteTimeSpan || period != Timeout.InfiniteTimeSpan)
            {
                return base.CreateTimer(callback, state, dueTime, period);
            }

            lock (_requested)
            {
                _requested.Add(dueTime);
            }

            return base.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }

    private async Task RecordAsync(Func<ClientWebSocket, Task> conversation, string url)
    {
        var writer = CassetteWriter.Create(CassettePath);
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            using var socket = await ConnectAsync(harness, url);
            await conversation(socket);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
            for (var i = 0; i < 100 && writer.Count == 0; i++)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken); // the flow is written when the socket has closed
            }
        }

        await writer.DisposeAsync();
    }

    private async Task<ProxyHarness> ReplayAsync(ServerReplayOptions options, TimeProvider? time = null, Redactor? redactor = null)
    {
        var cassette = Cassette.Load(CassettePath);
        var patient = TimeSpan.FromMinutes(10); // beyond InstantTimers.Longest
        return await ProxyHarness.StartAsync(null, o => o with
        {
            Addons = [new ServerReplayAddon(new ReplayStore(cassette.Flows, options), redactor: redactor)],
            TimeProvider = time ?? TimeProvider.System,
            Limits = time is null ? o.Limits : o.Limits with { HeadersTimeout = patient, IdleTimeout = patient, ConnectTimeout = patient, ResponseTimeout = patient },
        });
    }

    private static async Task<ClientWebSocket> ConnectAsync(ProxyHarness harness, string url)
    {
        var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(harness.Proxy.Url);
        await socket.ConnectAsync(new Uri(url), TestContext.Current.CancellationToken);
        return socket;
    }

    private static async Task<string> ExchangeAsync(ClientWebSocket socket, string text)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, TestContext.Current.CancellationToken);
        return await ReceiveAsync(socket);
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
