using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A loopback TCP server that answers every request with exact bytes: for wire details Kestrel will
/// not produce (HTTP/1.1 trailers, malformed or truncated responses).
/// </summary>
public sealed class RawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RawServer(string response, bool closeAfter = false)
    {
        _listener.Start();
        _loop = AcceptAsync(Encoding.Latin1.GetBytes(response), closeAfter);
    }

    private readonly StringBuilder _received = new();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Every byte clients sent, as Latin-1 text in arrival order: what reached the server, byte for byte.</summary>
    public string Received
    {
        get
        {
            lock (_received)
            {
                return _received.ToString();
            }
        }
    }

    public string Url => $"http://127.0.0.1:{Port}";

    private async Task AcceptAsync(byte[] response, bool closeAfter)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client, response, closeAfter);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException) // InvalidOperation: stopped between two accepts
        {
        }
    }

    private async Task ServeAsync(TcpClient client, byte[] response, bool closeAfter)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var seen = new StringBuilder();
            try
            {
                while (true)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    var text = Encoding.Latin1.GetString(buffer, 0, n);
                    lock (_received)
                    {
                        _received.Append(text);
                    }

                    seen.Append(text);
                    while (seen.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                    {
                        seen.Remove(0, end + 4);
                        await stream.WriteAsync(response, _stop.Token);
                        if (closeAfter)
                        {
                            return;
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }
}
