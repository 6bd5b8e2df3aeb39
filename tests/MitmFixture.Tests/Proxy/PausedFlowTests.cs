using MitmFixture.Addons;
using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// What a paused (intercepted) flow does to its connection and no other: killed, abandoned by its
/// client, or resumed with more requests queued behind it. Real sockets on both sides.
/// </summary>
public sealed class PausedFlowTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private TestUpstream Upstream => fixture.Upstream;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PausedRequest_AnotherConnectionIsAnsweredMeanwhile()
    {
        var (intercept, paused) = Intercepting("~q & ~u /parked");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        await using var parkedClient = await RawClient.ConnectAsync(harness.Proxy.Port);
        await using var freeClient = await RawClient.ConnectAsync(harness.Proxy.Port);

        await parkedClient.SendAsync(Get($"{Upstream.HttpUrl}/echo/parked"));
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        await freeClient.SendAsync(Get($"{Upstream.HttpUrl}/echo/free"));

        Assert.Contains("GET /echo/free", await freeClient.ReadAsync(until: "GET /echo/free"), StringComparison.Ordinal);
        Assert.True(flow.Intercepted);
        flow.Resume();
        Assert.Contains("GET /echo/parked", await parkedClient.ReadAsync(until: "GET /echo/parked"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KilledPausedRequest_ClosesTheClientAndNeverReachesTheServer()
    {
        await using var server = new CountingServer();
        var (intercept, paused) = Intercepting("~q");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync(Get($"{server.Url}/never"));
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        flow.Kill();

        Assert.Equal("", await client.ReadAsync());
        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(FlowError.KilledMessage, flow.Error!.Message);
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task KilledPausedResponse_ClosesTheClientWithoutSendingIt()
    {
        await using var server = new CountingServer();
        var (intercept, paused) = Intercepting("~s");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync(Get($"{server.Url}/answered"));
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        flow.Kill();

        Assert.Equal("", await client.ReadAsync());
        Assert.Equal(1, server.Requests);
        Assert.Equal(FlowError.KilledMessage, flow.Error!.Message);
    }

    [Theory]
    [InlineData("~q", 0)]
    [InlineData("~s", 1)]
    public async Task ClientLeavesWhilePaused_FlowEndsWithClientDisconnected_AndResumingSendsNothing(string filter, int serverRequests)
    {
        await using var server = new CountingServer();
        var (intercept, paused) = Intercepting(filter);
        var connections = new ConnectionRecorder();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [connections, intercept] });
        var completed = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Proxy.Flows.FlowCompleted += f => completed.TrySetResult(f);
        var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync(Get($"{server.Url}/left"));
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        await client.DisposeAsync();

        Assert.Same(flow, await completed.Task.WaitAsync(Patience, Cancel));
        Assert.Equal("Client disconnected.", flow.Error!.Message);
        Assert.True(flow.Killed);
        Assert.False(flow.Intercepted);
        await connections.Disconnected.Task.WaitAsync(Patience, Cancel); // the session ended
        Assert.Equal(serverRequests, server.Requests);
        flow.Resume(); // what a console would do late: nothing happens
        await Eventually.NeverAsync(() => server.Requests != serverRequests, "a resumed flow of a departed client reached the server");
    }

    [Fact]
    public async Task ClientLeavesWhilePausedInsideTls_IsNoticed()
    {
        var (intercept, paused) = Intercepting("~q & ~u /tls-left");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Cancel);

        var request = harness.CreateClient().GetStringAsync($"{Upstream.HttpsUrl}/echo/tls-left", leave.Token);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        var before = Upstream.Requests;
        await leave.CancelAsync(); // HttpClient drops the connection of a cancelled request
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        await Eventually.TrueAsync(() => flow.Error is not null);
        Assert.Equal("Client disconnected.", flow.Error!.Message);
        flow.Resume();
        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task ResumedFlowInsideTls_ItsConnectionCarriesTheNextRequest()
    {
        var (intercept, paused) = Intercepting("~q & ~u /tls-first");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        var client = harness.CreateClient();

        var first = client.GetStringAsync($"{Upstream.HttpsUrl}/echo/tls-first", Cancel);
        (await paused.Task.WaitAsync(Patience, Cancel)).Resume(); // cancels the watch's pending TLS read
        Assert.StartsWith("GET /echo/tls-first", await first.WaitAsync(Patience, Cancel), StringComparison.Ordinal);
        var second = await client.GetStringAsync($"{Upstream.HttpsUrl}/echo/tls-second", Cancel).WaitAsync(Patience, Cancel);

        Assert.StartsWith("GET /echo/tls-second", second, StringComparison.Ordinal);
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.Equal(2, flows.Count);
        Assert.Same(flows[0].Client, flows[1].Client); // one client connection, still usable after the watch
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RequestQueuedBehindAPausedOne_IsAnsweredAfterResume(bool sentBeforePause)
    {
        var (intercept, paused) = Intercepting("~q & ~u /first");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);
        var first = Get($"{Upstream.HttpUrl}/echo/first");
        var second = Get($"{Upstream.HttpUrl}/echo/second");

        await client.SendAsync(sentBeforePause ? first + second : first);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        if (!sentBeforePause)
        {
            await client.SendAsync(second);
            await Task.Delay(200, Cancel); // the pause watch sees it arrive
        }

        Assert.True(flow.Intercepted);
        flow.Resume();

        var text = await client.ReadAsync(until: "GET /echo/second");
        Assert.Contains("GET /echo/first", text, StringComparison.Ordinal);
        Assert.Contains("GET /echo/second", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PausedPostWithBody_IsForwardedWholeAfterResume()
    {
        var (intercept, paused) = Intercepting("~q");
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.SendAsync($"POST {Upstream.HttpUrl}/echo/post HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello");
        (await paused.Task.WaitAsync(Patience, Cancel)).Resume();

        Assert.EndsWith("\nhello", await client.ReadAsync(until: "\nhello"), StringComparison.Ordinal);
    }

    private static string Get(string url) => $"GET {url} HTTP/1.1\r\nHost: {new Uri(url).Authority}\r\n\r\n";

    private static (InterceptAddon Addon, TaskCompletionSource<Flow> Paused) Intercepting(string filter)
    {
        var addon = new InterceptAddon(FlowFilter.Parse(filter));
        var paused = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        addon.FlowIntercepted += f => paused.TrySetResult(f);
        return (addon, paused);
    }

    private sealed class ConnectionRecorder : ProxyAddon
    {
        public TaskCompletionSource Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask ClientDisconnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken)
        {
            Disconnected.TrySetResult();
            return default;
        }
    }
}
