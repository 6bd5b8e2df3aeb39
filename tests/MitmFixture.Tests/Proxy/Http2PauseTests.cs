using System.Net;
using System.Net.Sockets;
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
public sealed class Http2PauseTests : H2UpstreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static HttpRequestMessage H2Get(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private async Task<(ProxyHarness Harness, HttpClient Client, TaskCompletionSource<Flow> Paused)> StartAsync(string filter, Func<ProxyHarness, HttpClient>? createClient = null)
    {
        var addon = new InterceptAddon(FlowFilter.Parse(filter));
        var paused = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        addon.FlowIntercepted += f => paused.TrySetResult(f);
        var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon], UpstreamTrustedCertificates = [Upstream.Authority] });
        var client = createClient?.Invoke(harness) ?? harness.CreateClient();
        using (var warm = await client.SendAsync(H2Get($"{Upstream.H2Url}/echo/warm-up"), Cancel))
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

        var parked = client.SendAsync(H2Get($"{Upstream.H2Url}/echo/paused"), Cancel);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        var others = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => client.SendAsync(H2Get($"{Upstream.H2Url}/echo/free{i}"), Cancel))).WaitAsync(Patience, Cancel);

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

    /// <summary>An HttpClient through the proxy whose one TCP connection the test can cut.</summary>
    private static HttpClient SocketKeepingClient(ProxyHarness harness, Action<Socket> connected)
    {
        var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url),
            SslOptions = { RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback() },
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                connected(socket);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    [Theory]
    [InlineData("~q & ~u /paused", 0)] // paused before the server: it never sees the request
    [InlineData("~s & ~u /paused", 1)] // paused response: the server answered, the client gets nothing
    public async Task PausedStream_ClientResetsIt_FlowEndsWithStreamResetAndNothingIsSent(string filter, int serverRequests)
    {
        var (harness, client, paused) = await StartAsync(filter);
        await using var _ = harness;
        var served = Upstream.Requests;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Cancel);

        var parked = client.SendAsync(H2Get($"{Upstream.H2Url}/echo/paused"), giveUp.Token);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        await giveUp.CancelAsync(); // SocketsHttpHandler sends RST_STREAM (CANCEL)
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parked);

        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(ClientSession.StreamResetMessage, flow.Error!.Message);
        Assert.True(flow.Killed);
        flow.Resume(); // too late: nothing goes on
        Assert.Equal(served + serverRequests, Upstream.Requests);
        using var after = await client.SendAsync(H2Get($"{Upstream.H2Url}/echo/after"), Cancel); // the connection lives on
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task PausedStream_ClientClosesTheConnection_FlowEndsWithClientDisconnected()
    {
        Socket? socket = null;
        var (harness, client, paused) = await StartAsync("~q & ~u /paused", h => SocketKeepingClient(h, s => socket = s));
        await using var _ = harness;
        using var __ = client;
        var served = Upstream.Requests;

        var parked = client.SendAsync(H2Get($"{Upstream.H2Url}/echo/paused"), Cancel);
        var flow = await paused.Task.WaitAsync(Patience, Cancel);
        socket!.Shutdown(SocketShutdown.Both); // the TCP connection ends under the stream, with no RST_STREAM before it (disposing HttpClient would reset its streams first)
        await Assert.ThrowsAnyAsync<Exception>(() => parked);

        await Eventually.TrueAsync(() => !flow.Live);
        Assert.Equal(ClientSession.ClientDisconnectedMessage, flow.Error!.Message);
        Assert.True(flow.Killed);
        Assert.Equal(served, Upstream.Requests);
    }
}
