using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Bench;

/// <summary>
/// Managed bytes and objects allocated per proxied request on one keep-alive connection (plain
/// HTTP, forward proxy, no flow store, no addon output), from the runtime's own counters
/// (<see cref="GC.GetTotalAllocatedBytes(bool)"/>). The client and origin are blocking sockets on
/// this thread with preallocated buffers, so they allocate nothing per request themselves.
/// </summary>
internal static class RequestAllocations
{
    private static readonly byte[] Answer = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 1024\r\nContent-Type: text/plain\r\n\r\n" + new string('x', 1024));

    public static void Run(int requests, bool types)
    {
        using var sampler = types ? new AllocationSampler() : null;
        using var origin = new Socket(SocketType.Stream, ProtocolType.Tcp);
        origin.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        origin.Listen(16);
        var originPort = ((IPEndPoint)origin.LocalEndPoint!).Port;
        var request = Encoding.ASCII.GetBytes($"GET http://127.0.0.1:{originPort}/ HTTP/1.1\r\nHost: 127.0.0.1:{originPort}\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n");
        using var ca = CertificateAuthority.CreateEphemeral();
        var proxy = ProxyServer.StartAsync(new ProxyOptions { ListenPort = 0, CertificateAuthority = ca, FlowLimit = 0 }).GetAwaiter().GetResult();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(IPAddress.Loopback, proxy.Port);
        var buffer = new byte[8192];
        client.Send(request);
        using var server = origin.Accept();
        server.NoDelay = true;
        Exchange(client, server, request, buffer, first: true);

        for (var i = 0; i < 2000; i++)
        {
            Exchange(client, server, request, buffer, first: false);
        }

        sampler?.Sampling = true;
        var bytes = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(0);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < requests; i++)
        {
            Exchange(client, server, request, buffer, first: false);
        }

        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"requests: {requests}, one keep-alive connection, 1 KiB responses"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated per request: {allocated / (double)requests:0} bytes; gen0 collections: {GC.CollectionCount(0) - collections}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round trip: {elapsed.TotalMicroseconds / requests:0.0} us (client, proxy and origin on 2 cores)"));
        foreach (var (type, ticks) in sampler?.Top(25) ?? [])
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ticks,5} samples  {type}"));
        }

        proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>One request through the proxy; the origin reads the head and answers.</summary>
    private static void Exchange(Socket client, Socket server, byte[] request, byte[] buffer, bool first)
    {
        if (!first)
        {
            client.Send(request);
        }

        OriginExchange.Answer(client, server, buffer, Answer);
    }
}
