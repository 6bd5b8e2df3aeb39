using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A loopback server that answers one request with a body of <c>length</c> bytes written as fast
/// as the connection takes them, counting what it got out: back-pressure shows as the count standing still.
/// </summary>
public sealed class FloodServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serve;
    private long _written;

    public FloodServer(long length)
    {
        _listener.Start();
        _serve = ServeAsync(length);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public long Written => Interlocked.Read(ref _written);

    /// <summary>Waits until <see cref="Written"/> has not moved for <paramref name="still"/>, and returns it; fails after <paramref name="deadline"/>.</summary>
    public async Task<long> WaitUntilStalledAsync(TimeSpan still, TimeSpan deadline)
    {
        var end = DateTime.UtcNow + deadline;
        var last = -1L;
        var since = DateTime.UtcNow;
        while (DateTime.UtcNow < end)
        {
            var now = Written;
            if (now != last)
            {
                (last, since) = (now, DateTime.UtcNow);
            }
            else if (DateTime.UtcNow - since >= still)
            {
                return now;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"the server kept sending for {deadline}: {Written:N0} bytes");
    }

    private async Task ServeAsync(long length)
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await stream.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                head.Append(Encoding.Latin1.GetString(buffer, 0, n));
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {length}\r\n\r\n"), _stop.Token);
            Array.Fill(buffer, (byte)'x');
            for (var sent = 0L; sent < length; sent += buffer.Length)
            {
                await stream.WriteAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - sent)), _stop.Token);
                Interlocked.Add(ref _written, Math.Min(buffer.Length, length - sent));
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serve;
        _stop.Dispose();
    }
}
