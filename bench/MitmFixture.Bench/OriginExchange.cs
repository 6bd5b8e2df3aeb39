using System.Net.Sockets;

namespace MitmFixture.Bench;

/// <summary>The origin's side of one proxied request, on blocking sockets: read the head the proxy forwarded, answer, and read the answer at the client.</summary>
internal static class OriginExchange
{
    public static void Answer(Socket client, Socket server, byte[] buffer, byte[] answer)
    {
        var seen = 0;
        while (seen < 4 || !buffer.AsSpan(0, seen).EndsWith("\r\n\r\n"u8))
        {
            seen += server.Receive(buffer, seen, buffer.Length - seen, SocketFlags.None);
        }

        server.Send(answer);
        var received = 0;
        while (received < answer.Length)
        {
            received += client.Receive(buffer, SocketFlags.None);
        }
    }
}
