using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>
/// Passes bytes both ways without looking at them: what ignore_hosts asks for (certificate-pinned
/// clients, non-HTTP protocols). No flow is recorded, as in mitmproxy.
/// </summary>
internal static class RawTunnel
{
    public static async Task RunAsync(Stream client, ProxyContext context, string host, int port, ServerConnectionInfo serverInfo)
    {
        UpstreamConnection server;
        try
        {
            server = await context.Connector.ConnectAsync(new ServerKey("tcp", host, port, null), serverInfo, context.Shutdown, rawTunnel: true);
        }
        catch (UpstreamException e)
        {
            if (context.Logger.IsEnabled(LogLevel.Debug))
            {
#pragma warning disable CA1873 // guarded by IsEnabled above; the analyzer misses guards around [LoggerMessage] calls (dotnet/sdk#50893)
                ProxyLog.ClientConnectionEnded(context.Logger, $"tunnel to {host}:{port}", e.Message);
#pragma warning restore CA1873
            }

            return;
        }

        await using (server)
        {
            var serverStream = server.Connection.Stream;
            var up = CopyAsync(client, serverStream, server.Connection.Socket, context.Shutdown);
            var down = CopyAsync(serverStream, client, null, context.Shutdown);
            await Task.WhenAll(up, down);
        }
    }

    /// <summary>Copies until the source ends, then half-closes the destination so the other side sees the end too.</summary>
    private static async Task CopyAsync(Stream source, Stream destination, Socket? destinationSocket, CancellationToken cancellationToken)
    {
        try
        {
            await source.CopyToAsync(destination, 64 * 1024, cancellationToken);
            destinationSocket?.Shutdown(SocketShutdown.Send);
            if (destinationSocket is null)
            {
                await destination.FlushAsync(cancellationToken);
                destination.Close();
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // One side went away; disposing the streams ends the other copy.
            destination.Close();
        }
    }
}
