using System.Net;
using System.Net.Sockets;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class ProxyListenerTests
{
    [Fact]
    public async Task AddListener_ServesThroughTheSamePipeline_AndFlowsCarryItsPort()
    {
        await using var server = new CountingServer();
        await using var proxy = await ProxyServer.StartAsync(new ProxyOptions { ListenHost = "127.0.0.1", ListenPort = 0 });
        await using var listener = proxy.AddListener();
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(listener.Url), UseProxy = true });

        Assert.Equal("answer 1", await client.GetStringAsync(server.Url + "/via-extra-port", TestContext.Current.CancellationToken));

        Assert.NotEqual(proxy.Port, listener.Port);
        var flow = Assert.Single(proxy.Flows.Snapshot());
        Assert.Equal(listener.Port, flow.Client.LocalAddress?.Port);
    }

    [Fact]
    public async Task DisposedListener_RefusesConnections_AndTheProxyServesOn()
    {
        await using var server = new CountingServer();
        await using var proxy = await ProxyServer.StartAsync(new ProxyOptions { ListenHost = "127.0.0.1", ListenPort = 0 });
        var listener = proxy.AddListener();
        var port = listener.Port;

        await listener.DisposeAsync();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken));
        using var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(proxy.Url), UseProxy = true });
        Assert.Equal("answer 1", await client.GetStringAsync(server.Url + "/main-port", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ProxyDispose_ClosesItsExtraListeners()
    {
        var proxy = await ProxyServer.StartAsync(new ProxyOptions { ListenHost = "127.0.0.1", ListenPort = 0 });
        var port = proxy.AddListener().Port;

        await proxy.DisposeAsync();

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await socket.ConnectAsync(IPAddress.Loopback, port, TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => proxy.AddListener());
    }
}
