using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Bench;

/// <summary>
/// Live managed memory per idle keep-alive connection, measured in process after full collections
/// (RSS also counts garbage and heap the GC keeps, bench/idle.sh measures that). Clients and the
/// origin are plain blocking sockets with no pending operation, so they cost only their Socket
/// objects; that cost is measured on direct connections first and subtracted.
/// </summary>
internal static class IdleConnections
{
    private static readonly byte[] Answer = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, world\n"u8.ToArray();

    /// <remarks>Runs on the caller's thread throughout: blocking socket calls on a pool thread would starve the proxy.</remarks>
    public static void Run(int count)
    {
        using var origin = new Socket(SocketType.Stream, ProtocolType.Tcp);
        origin.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        origin.Listen(4096);
        var originPort = ((IPEndPoint)origin.LocalEndPoint!).Port;
        var request = Encoding.ASCII.GetBytes($"GET http://127.0.0.1:{originPort}/ HTTP/1.1\r\nHost: 127.0.0.1:{originPort}\r\n\r\n");
        var kept = new List<Socket>();
        var buffer = new byte[4096];

        // 1. What the test's own sockets cost: client and origin ends of direct connections.
        var before = Live();
        for (var i = 0; i < count; i++)
        {
            var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(origin.LocalEndPoint!);
            kept.Add(client);
            kept.Add(origin.Accept());
        }

        var socketsOnly = Live() - before;
        kept.ForEach(s => s.Dispose());
        kept.Clear();

        using var ca = CertificateAuthority.CreateEphemeral();
        var proxy = ProxyServer.StartAsync(new ProxyOptions { ListenPort = 0, CertificateAuthority = ca, FlowLimit = 0 }).GetAwaiter().GetResult();

        // 2. Warm up the proxy path, then connections that connected and said nothing.
        for (var i = 0; i < 50; i++)
        {
            using var warm = RoundTrip(proxy.Port, origin, request, buffer, out var server);
            server.Dispose();
        }

        var baseline = Live();
        for (var i = 0; i < count; i++)
        {
            var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
            client.Connect(IPAddress.Loopback, proxy.Port);
            kept.Add(client);
        }

        Thread.Sleep(500);
        var silent = Live() - baseline;
        kept.ForEach(s => s.Dispose());
        kept.Clear();
        Thread.Sleep(500);

        // 3. Connections that made one request and are kept alive on both sides.
        baseline = Live();
        for (var i = 0; i < count; i++)
        {
            kept.Add(RoundTrip(proxy.Port, origin, request, buffer, out var server));
            kept.Add(server);
        }

        Thread.Sleep(500);
        var afterRequest = Live() - baseline;
        var proxyRss = Environment.WorkingSet;

        var testSockets = socketsOnly / (double)count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle connections: {count}, live managed bytes after full GC, the test's own sockets ({testSockets / 1000:0.0} KB per pair) subtracted"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connected, silent:        {(silent - (socketsOnly / 2.0)) / count / 1000:0.0} KB each"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kept alive after 1 request: {(afterRequest - socketsOnly) / (double)count / 1000:0.0} KB each (client and server connection)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"process working set now:  {proxyRss / 1048576.0:0.0} MiB"));
        kept.ForEach(s => s.Dispose());
        proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One request through the proxy on a new connection; the origin answers on the connection the proxy opened.</summary>
    private static Socket RoundTrip(int proxyPort, Socket origin, byte[] request, byte[] buffer, out Socket server)
    {
        var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        client.Connect(IPAddress.Loopback, proxyPort);
        client.Send(request);
        server = origin.Accept();
        OriginExchange.Answer(client, server, buffer, Answer);
        return client;
    }

    private static long Live()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
