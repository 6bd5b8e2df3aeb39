using System.Diagnostics;
using System.Text;
using MitmFixture.Http;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>
/// Clients that trickle bytes or stop reading, to hold connections open (slowloris and friends):
/// the head has a total deadline, bodies a minimum data rate in both directions (Kestrel's limits).
/// Most run on a fake clock the test steps (FakeClock); the head deadline keeps a real-clock test.
/// </summary>
public sealed class SlowPeerTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task SlowHead_ByteEvery100Ms_Gets408AtTheTotalDeadline()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { HeadersTimeout = TimeSpan.FromSeconds(1) } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var head = Encoding.Latin1.GetBytes($"GET {Upstream.HttpUrl}/echo/slow HTTP/1.1\r\nX-Pad: {new string('a', 200)}\r\n\r\n");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        var trickle = TrickleAsync(raw, head, TimeSpan.FromMilliseconds(100), stop.Token);
        var clock = Stopwatch.StartNew();

        var answer = await raw.ReadAsync(timeoutMs: 6000);

        await stop.CancelAsync();
        await trickle;
        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(4));
        Assert.Empty(harness.Proxy.Flows.Snapshot());
    }

    [Fact]
    public async Task SlowUpload_BelowMinimumRate_Gets408AndTheServerSeesNothing()
    {
        var time = FakeClock.StartingNow();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with
        {
            TimeProvider = time,
            Limits = o.Limits with { MinRequestBodyDataRate = new MinDataRate(1000, TimeSpan.FromSeconds(5)) },
        });
        var before = Upstream.Requests;
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        await raw.Stream.WriteAsync(new byte[10], TestContext.Current.CancellationToken); // then nothing

        var read = raw.ReadAsync(timeoutMs: 10_000);
        var waited = await time.AdvanceUntilAsync(() => read.IsCompleted, TimeSpan.FromMilliseconds(250), TimeSpan.FromMinutes(1));
        var answer = await read;

        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)); // the grace period, not the 60 s read timeout
        Assert.Contains("minimum data rate", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task SteadyUpload_AboveMinimumRate_IsForwarded()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with
        {
            // 20x below the trickle's rate: the trickle's 100 ms pauses are timers in this test process, which
            // the full suite loads enough to stretch them several times over (it failed at 2x, and at 5x in
            // 2 of about 8 full runs on 2 cores; never alone).
            Limits = o.Limits with { MinRequestBodyDataRate = new MinDataRate(50, TimeSpan.FromMilliseconds(300)) },
        });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/steady HTTP/1.1\r\nHost: x\r\nContent-Length: 1500\r\nConnection: close\r\n\r\n");

        await TrickleAsync(raw, new byte[1500], TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken, chunk: 100); // 1000 bytes/s

        Assert.StartsWith("HTTP/1.1 200 ", await raw.ReadAsync(timeoutMs: 5000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamedUpload_SlowClient_Gets408()
    {
        var time = FakeClock.StartingNow();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with
        {
            TimeProvider = time,
            StreamLargeBodies = 10,
            Limits = o.Limits with { MinRequestBodyDataRate = new MinDataRate(1000, TimeSpan.FromSeconds(5)) },
        });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"POST {Upstream.HttpUrl}/count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n"); // then nothing

        var read = raw.ReadAsync(timeoutMs: 10_000);
        var waited = await time.AdvanceUntilAsync(() => read.IsCompleted, TimeSpan.FromMilliseconds(250), TimeSpan.FromMinutes(1));
        var answer = await read;

        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.Contains("minimum data rate", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClientStopsReading_ResponseIsCutAtTheMinimumRate(bool streamed)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with
        {
            StreamLargeBodies = streamed ? 1024 : null,
            Limits = o.Limits with { MinResponseDataRate = new MinDataRate(100_000, TimeSpan.FromSeconds(1)) },
        });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        raw.Stream.Socket.ReceiveBufferSize = 4096;

        await raw.SendAsync($"GET {Upstream.HttpUrl}/bytes/{(streamed ? 200_000_000 : 30_000_000)} HTTP/1.1\r\nHost: x\r\n\r\n"); // and never read

        await Eventually.TrueAsync(() => harness.Proxy.Flows.Snapshot().SingleOrDefault()?.Error is not null, timeoutMs: 10_000);
        Assert.Contains("slower than the minimum data rate", harness.Proxy.Flows.Snapshot().Single().Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleKeepAliveConnection_IsClosedAfterTheKeepAliveTimeout()
    {
        var time = FakeClock.StartingNow();
        var keepAlive = TimeSpan.FromSeconds(130); // Kestrel's default, tested in full on the fake clock
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { IdleTimeout = keepAlive } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/idle HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 ", await raw.ReadAsync("GET /echo/idle", timeoutMs: 5000), StringComparison.Ordinal);

        var read = raw.ReadAsync(timeoutMs: 10_000); // returns when the proxy closes
        var idle = await time.AdvanceUntilAsync(() => read.IsCompleted, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
        var rest = await read;

        Assert.InRange(idle, keepAlive, keepAlive + TimeSpan.FromSeconds(60));
        Assert.DoesNotContain("HTTP/", rest, StringComparison.Ordinal);
    }

    /// <summary>Sends <paramref name="bytes"/> a few at a time until done, cancelled or the proxy hangs up.</summary>
    private static async Task TrickleAsync(RawClient raw, byte[] bytes, TimeSpan every, CancellationToken cancellationToken, int chunk = 1)
    {
        try
        {
            for (var i = 0; i < bytes.Length; i += chunk)
            {
                await raw.Stream.WriteAsync(bytes.AsMemory(i, Math.Min(chunk, bytes.Length - i)), cancellationToken);
                await Task.Delay(every, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // Stopped by the test, or the proxy closed the connection: both end the trickle.
        }
    }
}
