using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;

namespace MitmFixture.Bench;

/// <summary>
/// The floor under any .NET HTTP/1.1 proxy on this runtime (issue 20): a forwarder that does only
/// what every proxy must, in the cheapest way .NET offers. Per client connection one server
/// connection; per request one receive from the client, one send to the server, receives until
/// the server's Content-Length body is in, one send back. No parsing beyond the length, no flow,
/// no pipes, no allocation per request (<see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/>
/// completes through .NET's pooled awaitable). It only serves a benchmark's small keep-alive
/// requests that arrive in one read (wrk's), so it is not a proxy anyone could use: its CPU per
/// request, measured the way <c>bench/proxy.sh</c> measures the real one, says how much of the gap
/// to nginx any managed proxy on this machine keeps. <c>bench/floor.sh</c> runs it.
/// </summary>
internal static class FloorProxy
{
    private const int BufferSize = 16 * 1024;

    public static void Run(int listenPort, int originPort)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, listenPort));
        listener.Listen(512);
        Console.WriteLine($"floor proxy on 127.0.0.1:{listenPort} -> 127.0.0.1:{originPort}");
        while (true)
        {
            var client = listener.Accept();
            _ = ServeAsync(client, originPort);
        }
    }

    private static async Task ServeAsync(Socket client, int originPort)
    {
        using var _ = client;
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        var fromClient = new byte[BufferSize];
        var fromServer = new byte[BufferSize];
        try
        {
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, originPort));
            while (true)
            {
                var requestLength = await client.ReceiveAsync(fromClient.AsMemory(), SocketFlags.None);
                if (requestLength == 0)
                {
                    return;
                }

                await server.SendAsync(fromClient.AsMemory(0, requestLength), SocketFlags.None);
                var responseLength = await ReceiveResponseAsync(server, fromServer);
                await client.SendAsync(fromServer.AsMemory(0, responseLength), SocketFlags.None);
            }
        }
        catch (SocketException)
        {
            // A benchmark client hanging up: nothing to report.
        }
    }

    /// <summary>Receives until the head and its Content-Length body are in; returns the length.</summary>
    private static async ValueTask<int> ReceiveResponseAsync(Socket server, byte[] buffer)
    {
        var filled = 0;
        while (true)
        {
            var read = await server.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None);
            if (read == 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            filled += read;
            var total = CompleteLength(buffer.AsSpan(0, filled));
            if (total > 0 && filled >= total)
            {
                return filled;
            }
        }
    }

    private static int CompleteLength(ReadOnlySpan<byte> received)
    {
        var headEnd = received.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return 0;
        }

        var name = "\r\nContent-Length: "u8;
        var at = received[..headEnd].IndexOf(name);
        if (at < 0 || !Utf8Parser.TryParse(received[(at + name.Length)..], out int bodyLength, out _))
        {
            throw new InvalidDataException("the floor proxy needs a Content-Length response");
        }

        return headEnd + 4 + bodyLength;
    }
}
