using System.Net;
using System.Net.Sockets;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>The README's "HTTP behaviour" claims about connections, each against real sockets.</summary>
public sealed class ConnectionBehaviourTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const string KeepAliveAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task ReusedServerConnectionFoundClosed_IsRetriedOnceOnAFreshOne()
    {
        // Answers the first request on a connection and closes on the next without a word, as a
        // server does whose keep-alive timer fired just as the proxy reused the connection (RFC 9112 §9.3.1).
        await using var server = new ScriptedServer(n => n == 0 ? KeepAliveAnswer : null);
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"GET {server.Url}/first HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadAsync("\r\n\r\nok"), StringComparison.Ordinal);
        await client.SendAsync($"GET {server.Url}/second HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadAsync("\r\n\r\nok"), StringComparison.Ordinal);

        Assert.Equal(2, server.Connections);
        Assert.Equal(["GET /first", "GET /second", "GET /second"], server.Heads.Select(h => h[..h.IndexOf(" HTTP/", StringComparison.Ordinal)]));
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(2, flows.Count);
        Assert.All(flows, f => Assert.Null(f.Error));
    }

    // connect_timeout=1e9 (in effect "never") threw from the connect timer's constructor, which takes
    // at most 2^32 - 2 ms, on every connection: closed with no answer and nothing logged.
    [Theory]
    [InlineData("1e9", false)]
    [InlineData("4294968", false)] // just past the longest timer
    [InlineData("1e9", true)] // the TLS handshake has its own timer
    public async Task ConnectTimeout_LongerThanATimerTakes_StillConnects(string seconds, bool https)
    {
        var configuration = new MitmFixture.Proxy.ProxyConfiguration();
        Assert.True(MitmFixture.Proxy.OptionRegistry.TryApply(ref configuration, "connect_timeout", seconds, out var error), error);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { ConnectTimeout = configuration.Proxy.Limits.ConnectTimeout } });

        using var answer = await harness.CreateClient().GetAsync($"{(https ? Upstream.HttpsUrl : Upstream.HttpUrl)}/echo/patient", Cancel);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task ServerClosingAFreshConnectionUnanswered_IsNotRetried()
    {
        await using var server = new ScriptedServer(_ => null);
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        using var answer = await harness.CreateClient().GetAsync($"{server.Url}/x", Cancel);

        // HttpClient may itself retry a GET once on a new proxy connection; the proxy never does on a fresh server connection.
        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Equal(harness.Proxy.Flows.Count, server.Connections);
    }

    [Fact]
    public async Task Http10Client_AskingForKeepAlive_KeepsItsConnection()
    {
        // A server that keeps alive too (Kestrel's echo has no Content-Length, so it closes a 1.0
        // request's connection, and the proxy, as mitmproxy does, passes that Connection: close on).
        await using var server = new ScriptedServer(_ => "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"GET {server.Url}/one HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        var first = await client.ReadAsync("\r\n\r\nok");
        await client.SendAsync($"GET {server.Url}/two HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        var second = await client.ReadAsync("\r\n\r\nok");

        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.Contains("Connection: keep-alive", first, StringComparison.OrdinalIgnoreCase); // RFC 9112 C.2.2: a 1.0 client keeps the connection only if told so
        Assert.StartsWith("HTTP/1.1 200", second, StringComparison.Ordinal);
        Assert.False(client.Closed);
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(2, flows.Count);
        Assert.Same(flows[0].Client, flows[1].Client);
        Assert.Equal(2, server.Heads.Count);
    }

    [Fact]
    public async Task Http10Client_WithoutKeepAlive_IsClosedAfterTheAnswer()
    {
        // The server keeps its connection open (HTTP/1.1, Content-Length), so only the proxy's own
        // HTTP/1.0 rule can close the client's (Kestrel would send Connection: close and hide it).
        await using var server = new ScriptedServer(_ => KeepAliveAnswer);
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"GET {server.Url}/old HTTP/1.0\r\nHost: x\r\n\r\n");
        var answer = await client.ReadAsync(); // until the proxy closes; a timeout fails

        Assert.True(client.Closed);
        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nok", answer, StringComparison.Ordinal);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task IdleClient_IsClosedAfterTheIdleTimeout()
    {
        var time = FakeClock.StartingNow();
        var timeout = TimeSpan.FromSeconds(30);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { IdleTimeout = timeout } });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);
        await client.SendAsync($"GET {Upstream.HttpUrl}/echo/idle HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadAsync("GET /echo/idle");

        var rest = client.ReadAsync(timeoutMs: 10_000); // the proxy closes; a timeout fails
        var idle = await time.AdvanceUntilAsync(() => rest.IsCompleted, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));

        Assert.Equal("", await rest);
        Assert.True(client.Closed);
        Assert.InRange(idle, timeout, 2 * timeout);
    }

    [Fact]
    public async Task ServerThatNeverAccepts_Gives504AfterTheConnectTimeout()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so a connect hangs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var endpoint = (IPEndPoint)listener.LocalEndPoint!; // bound above
        using var stopFilling = new CancellationTokenSource();
        var fillers = Enumerable.Range(0, 4).Select(_ => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)).ToList();
        var connecting = fillers.Select(s => s.ConnectAsync(endpoint, stopFilling.Token).AsTask()).ToList();
        await Task.WhenAny(Task.WhenAll(connecting), Task.Delay(1000, Cancel)); // the queue holds two; the rest hang
        var time = FakeClock.StartingNow();
        var timeout = TimeSpan.FromSeconds(10);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { ConnectTimeout = timeout } });

        try
        {
            var request = harness.CreateClient().GetAsync($"http://127.0.0.1:{endpoint.Port}/x", Cancel);
            var waited = await time.AdvanceUntilAsync(() => request.IsCompleted, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(1));
            using var answer = await request;

            Assert.Equal(HttpStatusCode.GatewayTimeout, answer.StatusCode);
            Assert.InRange(waited, timeout, 2 * timeout);
            var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
            Assert.Contains("connect", flow.Error!.Message, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await stopFilling.CancelAsync();
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }

            await Task.WhenAll(connecting.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    [Fact]
    public async Task ClientHalfClosesAfterItsRequest_StillGetsTheAnswer()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"POST {Upstream.HttpUrl}/echo/half HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        client.Stream.Socket.Shutdown(SocketShutdown.Send); // FIN: no more requests, but still reading
        var answer = await client.ReadAsync(); // then the proxy closes; a timeout fails

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("POST /echo/half", answer, StringComparison.Ordinal);
        Assert.EndsWith("\nhello", answer, StringComparison.Ordinal);
        Assert.Null(Assert.Single(harness.Proxy.Flows.Snapshot()).Error);
    }

    [Fact]
    public async Task ManyConcurrentClients_EachGetsExactlyItsOwnAnswers()
    {
        // Bounded: 40 clients, each its own connection pool, 10 requests each, half over HTTPS;
        // every answer is checked against the request that asked for it.
        const int clients = 40;
        const int requests = 10;
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var answered = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            var client = harness.CreateClient();
            var baseUrl = c % 2 == 0 ? Upstream.HttpUrl : Upstream.HttpsUrl;
            for (var r = 0; r < requests; r++)
            {
                using var content = new StringContent($"body of c{c} r{r}");
                using var response = await client.PostAsync($"{baseUrl}/echo/c{c}/r{r}", content, Cancel);
                var text = await response.Content.ReadAsStringAsync(Cancel);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.StartsWith($"POST /echo/c{c}/r{r}\n", text, StringComparison.Ordinal);
                Assert.EndsWith($"\nbody of c{c} r{r}", text, StringComparison.Ordinal);
            }

            return requests;
        })).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

        Assert.Equal(clients * requests, answered.Sum());
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(clients * requests, flows.Count);
        Assert.All(flows, f => Assert.Equal(200, f.Response?.StatusCode));
        Assert.Equal(clients * requests, flows.Select(f => f.Request.Path).Distinct().Count());
    }

    [Fact]
    public async Task ClientThatStopsReading_HoldsTheServerBack()
    {
        // The server would send 1 GiB; the client reads the head and nothing more. With streaming,
        // the proxy must stop reading from the server once the buffers fill, not take it all in.
        await using var server = new FloodServer(1L << 30);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 1024 * 1024 });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);
        client.Stream.Socket.ReceiveBufferSize = 64 * 1024;

        await client.SendAsync($"GET {server.Url}/flood HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200", await client.ReadAsync("\r\n\r\n"), StringComparison.Ordinal);
        var stalled = await server.WaitUntilStalledAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20));

        // Socket buffers on loopback (a few MiB each way) and the proxy's pipes are all that may hold data.
        Assert.True(stalled < 64L * 1024 * 1024, $"the server got {stalled:N0} bytes out to a client that reads nothing");
        Assert.True(stalled > 0);
    }
}
