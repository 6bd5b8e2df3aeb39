using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A loopback TCP server that answers each request head with exact bytes chosen per request, and
/// can send more bytes later on the same connection: for servers that misbehave between requests
/// (a surplus after the response). Requests must not carry bodies.
/// </summary>
public sealed class ScriptedRawServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string, Reply> _answer;
    private readonly X509Certificate2? _certificate;
    private readonly Task _loop;
    private int _connections;
    private long _bytesReceived;

    /// <param name="answer">Given the request line ("GET /a HTTP/1.1"), what to send.</param>
    /// <param name="certificate">When set, the server speaks TLS with it (clients must not verify it).</param>
    public ScriptedRawServer(Func<string, Reply> answer, X509Certificate2? certificate = null)
    {
        _answer = answer;
        _certificate = certificate;
        _listener.Start();
        _loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections were accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every byte any client sent, counted as it arrived.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>Request lines received, with the connection (1, 2, ...) that carried each.</summary>
    public ConcurrentQueue<(int Connection, string RequestLine)> Requests { get; } = new();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client, Interlocked.Increment(ref _connections));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException) // InvalidOperation: stopped between two accepts
        {
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using (client)
        {
            Stream stream = client.GetStream();
            if (_certificate is not null)
            {
                var tls = new SslStream(stream);
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                }
                catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException)
                {
                    return;
                }

                stream = tls;
            }

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

                    Interlocked.Add(ref _bytesReceived, n);
                    seen.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    while (seen.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal) is var end and >= 0)
                    {
                        var head = seen.ToString(0, end);
                        seen.Remove(0, end + 4);
                        var requestLine = head.Split("\r\n")[0];
                        Requests.Enqueue((connection, requestLine));
                        var reply = _answer(requestLine);
                        await stream.WriteAsync(Encoding.Latin1.GetBytes(reply.Now), _stop.Token);
                        if (reply.Later is { } later)
                        {
                            await Task.Delay(reply.Delay, _stop.Token);
                            await stream.WriteAsync(Encoding.Latin1.GetBytes(later), _stop.Token);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
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

    /// <summary>Bytes sent at once, and optionally more sent after <paramref name="Delay"/> on the same connection.</summary>
    public sealed record Reply(string Now, string? Later = null, TimeSpan Delay = default);
}
