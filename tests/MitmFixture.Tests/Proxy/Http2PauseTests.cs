using System.Net;
using MitmFixture.Addons;
using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// An intercepted HTTP/2 stream (ClientSession.StreamPause.cs): it holds only itself while the other
/// streams of its connection go on, and a client that resets it or closes the connection ends it.
/// Real HttpClient (one handler: one connection, many streams) and a real Kestrel h2 server.
/// </summary>
public sealed class Http2PauseTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private H2Upstream _upstream = null!; // set in InitializeAsync

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await H2Upstream.StartAsync();

    public async ValueTask DisposeAsync() => await _upstream.DisposeAsync();

    private static HttpRequestMessage H2Get(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private async Task<(ProxyHarness Harness, HttpClient Client, TaskCompletionSource<Flow> Paused)> StartAsync(string filter)
    {
        var addon = new InterceptAddon(FlowFilter.Parse(filter));
        var paused = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        addon.FlowIntercepted += f => paused.TrySetResult(f);
        var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon], UpstreamTrustedCertificates = [_upstream.Authority] });
        var client = harness.CreateClient();
        using (var warm = await client.SendAsync(H2Get($"{_upstream.H2Url}/echo/warm-up"), Cancel))
        {
            Assert.Equal(HttpVersion.Version20, warm.Version); // one h2 connection from here on; the next requests are its streams
        }

        return (harness, client, paused);
    }

    [Theory]
    [InlineData("~q & ~u /paused")]
    [InlineData("~s & ~u /paused")]
    public async Task PausedStream_OtherStreamsOfTheConnection_GoOn(string filter)
    {
        var (harness, client, paused) = await StartAsync(filter);
        await using var _ = harness;

        var parked = client.SendAsync(H2Get($"{_upstream.H2Url}/echo/paused"), Cancel);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        var others = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => client.SendAsync(H2Get($"{_upstream.H2Url}/echo/free{i}"), Cancel))).WaitAsync(Patience, Cancel);

        Assert.All(others, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.False(parked.IsCompleted);
        Assert.True(flow.Intercepted);
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.All(flows, f => Assert.Same(flow.Client, f.Client)); // the same client connection: streams, not connections
        flow.Resume();
        using var answer = await parked.WaitAsync(Patience, Cancel);
        Assert.StartsWith("HTTP/2 GET /echo/paused\n", await answer.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        foreach (var other in others)
        {
            other.Dispose();
        }
    }

    [Fact]
    public async Task PausedStream_ClientResetsIt_FlowEndsWithStreamResetAndNothingIsSent()
    {
        var (harness, client, paused) = await StartAsync("~q & ~u /paused");
        await using var _ = harness;
        var served = _upstream.Requests;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);

        var parked = client.SendAsync(H2Get($"{_upstream.H2Url}/echo/paused"), giveUp.Token);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        await giveUp.CancelAsync(); // SocketsHttpHandler sends RST_STREAM (CANCEL)
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parked);

        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(ClientSession.StreamResetMessage, flow.Error!.Message);
        Assert.True(flow.Killed);
        flow.Resume(); // too late: nothing goes on
        Assert.Equal(served, _upstream.Requests);
        using var after = await client.SendAsync(H2Get($"{_upstream.H2Url}/echo/after"), Cancel); // the connection lives on
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task PausedStream_ClientClosesTheConnection_FlowEndsWithClientDisconnected()
    {
        var (harness, client, paused) = await StartAsync("~q & ~u /paused");
        await using var _ = harness;
        var served = _upstream.Requests;

        var parked = client.SendAsync(H2Get($"{_upstream.H2Url}/echo/paused"), Cancel);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        client.Dispose(); // closes the connection under the stream
        await Assert.ThrowsAnyAsync<Exception>(() => parked);

        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(ClientSession.ClientDisconnectedMessage, flow.Error!.Message);
        Assert.True(flow.Killed);
        Assert.Equal(served, _upstream.Requests);
    }
}
