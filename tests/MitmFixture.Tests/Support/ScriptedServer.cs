using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A loopback server for requests without bodies that answers by script: <c>answer(n)</c> gives the
/// bytes for the nth request (from 0) on a connection, or null to close that connection without a
/// word. It keeps every request head and counts connections, so a test sees what reached the server.
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _heads = [];
    private readonly Func<int, string?> _answer;
    private readonly Task _loop;
    private int _connections;

    public ScriptedServer(Func<int, string?> answer)
    {
        _answer = answer;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}";

    public int Connections => Volatile.Read(ref _connections);

    public IReadOnlyList<string> Heads
    {
        get
        {
            lock (_heads)
            {
                return _heads.ToArray();
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException) // InvalidOperation: stopped between two accepts
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var seen = new StringBuilder();
            var index = 0;
            try
            {
                while (true)
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    seen.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    while (seen.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                    {
                        lock (_heads)
                        {
                            _heads.Add(seen.ToString(0, end));
                        }

                        seen.Remove(0, end + 4);
                        if (_answer(index++) is not { } answer)
                        {
                            return;
                        }

                        await stream.WriteAsync(Encoding.Latin1.GetBytes(answer), _stop.Token);
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
