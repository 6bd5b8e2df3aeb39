using System.Net;
using System.Net.Sockets;
using System.Text;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Servers that lie, stall or vanish: the client gets a 502/504 with the reason on the flow, never a hang.</summary>
public sealed class ServerFaultTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    public static TheoryData<string, string> BrokenResponses => new()
    {
        { "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "missing" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "chunked body" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed body" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "malformed response" },
        { "HTTP/1.1 abc OK\r\n\r\n", "malformed response" },
        { "", "without answering" },
        { "HTTP/1.1 200 OK\r\nContent-Le", "middle of the response head" },
        // A coding other than chunked would reach the client still applied, unnamed, under a Content-Length.
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "unsupported Transfer-Encoding 'gzip, chunked'" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", "unsupported Transfer-Encoding 'gzip'" },
    };

    [Theory]
    [MemberData(nameof(BrokenResponses))]
    public async Task BrokenResponse_Gives502WithReason(string response, string reason)
    {
        await using var server = new RawServer(response, closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream);
        var client = harness.CreateClient();

        using var answer = await client.GetAsync($"{server.Url}/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.NotEmpty(flows); // HttpClient may retry a GET whose connection broke, so there can be more than one
        Assert.All(flows, f => Assert.Contains(reason, f.Error!.Message, StringComparison.Ordinal));
        Assert.StartsWith("GET /echo/after", await client.GetStringAsync($"{fixture.Upstream.HttpUrl}/echo/after", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerNeverAnswers_Gives504AfterTheResponseTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var accepted = listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken); // accepts, reads nothing, says nothing
        var time = FakeClock.StartingNow();
        var timeout = TimeSpan.FromSeconds(60);
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { ResponseTimeout = timeout } });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var request = harness.CreateClient().GetAsync($"http://127.0.0.1:{port}/", TestContext.Current.CancellationToken);
        var waited = await time.AdvanceUntilAsync(() => request.IsCompleted, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3));
        using var answer = await request;

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
        Assert.InRange(waited, timeout, 2 * timeout);
        Assert.Contains("did not answer", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
        (await accepted).Dispose();
    }

    [Fact]
    public async Task ReusedConnection_IdleLongerThanTheTimeout_ThenServerNeverAnswers_Gives504AfterTheResponseTimeout()
    {
        // While the connection idles a read is pending on it (the surplus watch): idling must not run the
        // response clock, and the next request's response, read through that pending read, must still time out.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connections = 0;
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
            Interlocked.Increment(ref connections);
            await ReadHeadAsync(socket);
            await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), TestContext.Current.CancellationToken);
            await ReadHeadAsync(socket); // the second request arrives on the same connection, and is never answered
            await Task.Delay(Timeout.Infinite, TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        var time = FakeClock.StartingNow();
        var timeout = TimeSpan.FromSeconds(60);
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { ResponseTimeout = timeout, IdleTimeout = TimeSpan.FromHours(1) } });
        var client = harness.CreateClient();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/";

        Assert.Equal("ok", await client.GetStringAsync(url, TestContext.Current.CancellationToken));
        time.Advance(3 * timeout);
        await Task.Delay(200, TestContext.Current.CancellationToken); // a deadline wrongly left running would fire on the heartbeat now
        var second = client.GetAsync(url, TestContext.Current.CancellationToken);
        var waited = await time.AdvanceUntilAsync(() => second.IsCompleted, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3));
        using var answer = await second;

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
        Assert.InRange(waited, timeout, 2 * timeout);
        Assert.Equal(1, connections);
        Assert.Contains("did not answer", harness.Proxy.Flows.Snapshot()[^1].Error!.Message, StringComparison.Ordinal);
    }

    private static async Task ReadHeadAsync(Socket socket)
    {
        var head = new List<byte>();
        var buffer = new byte[1024];
        while (!head.AsEnumerable().Reverse().Take(4).SequenceEqual("\n\r\n\r"u8.ToArray()))
        {
            var read = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            if (read == 0)
            {
                throw new IOException("the proxy closed the connection");
            }

            head.AddRange(buffer.AsSpan(0, read));
        }
    }

    [Fact]
    public async Task ServerResetsMidBody_StreamedResponseEndsAndFlowHasError()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n" + new string('x', 100_000)), TestContext.Current.CancellationToken);
            socket.LingerState = new LingerOption(true, 0); // close with RST
        }, TestContext.Current.CancellationToken);
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { StreamLargeBodies = 1024 });
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => harness.CreateClient().GetByteArrayAsync($"http://127.0.0.1:{port}/", TestContext.Current.CancellationToken));
        await serve;

        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot() is [_, ..] flows && flows.All(f => f.Error is not null));
    }

    [Fact]
    public async Task UnresolvableHost_Gives502NamingTheDnsFailure()
    {
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream);

        using var answer = await harness.CreateClient().GetAsync("http://no-such-host.invalid/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains("DNS lookup for no-such-host.invalid failed", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientDisconnectsMidResponse_FlowRecordsItAndProxyServesOthers()
    {
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { StreamLargeBodies = 64 * 1024 });
        var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"GET {fixture.Upstream.HttpUrl}/bytes/{500L * 1024 * 1024} HTTP/1.1\r\nHost: x\r\n\r\n");
        await raw.ReadAsync("\r\n\r\n");
        await raw.DisposeAsync(); // gone, 500 MB still to come

        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error is not null);
        Assert.StartsWith("GET /echo/next", await harness.CreateClient().GetStringAsync($"{fixture.Upstream.HttpUrl}/echo/next", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}
