using System.Net.Sockets;
using System.Text;

namespace MitmFixture.Tests.Support;

/// <summary>A bare TCP client for sending exact bytes (malformed requests, pipelining) and reading the raw answer.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream? _stream;

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var client = new RawClient();
        await client._tcp.ConnectAsync("127.0.0.1", port);
        client._stream = client._tcp.GetStream();
        return client;
    }

    public NetworkStream Stream => _stream!; // set by ConnectAsync

    public Task SendAsync(string text) => Stream.WriteAsync(Encoding.Latin1.GetBytes(text)).AsTask();

    /// <summary>
    /// Reads until the peer closes (or resets) the connection or <paramref name="until"/> appears.
    /// Neither within <paramref name="timeoutMs"/> is a failure: a <see cref="TimeoutException"/>
    /// naming what was awaited and what had arrived, never a partial answer passed off as complete.
    /// </summary>
    public async Task<string> ReadAsync(string? until = null, int timeoutMs = 10_000)
    {
        var (text, ended) = await ReadCoreAsync(until, timeoutMs);
        return ended
            ? text
            : throw new TimeoutException($"no {(until is null ? "close" : $"'{until}'")} within {timeoutMs} ms; read so far: '{text}'");
    }

    /// <summary>
    /// Reads what arrives within <paramref name="timeoutMs"/>, stopping early if the peer closes;
    /// for a test that accepts either outcome and says so (<see cref="Closed"/> tells which).
    /// </summary>
    public async Task<string> ReadWithinAsync(int timeoutMs)
    {
        var (text, _) = await ReadCoreAsync(null, timeoutMs);
        return text;
    }

    /// <summary>True once a read saw the peer close or reset the connection.</summary>
    public bool Closed { get; private set; }

    private async Task<(string Text, bool Ended)> ReadCoreAsync(string? until, int timeoutMs)
    {
        using var timeout = new CancellationTokenSource(timeoutMs);
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        try
        {
            while (true)
            {
                var n = await Stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    Closed = true;
                    return (text.ToString(), true);
                }

                text.Append(Encoding.Latin1.GetString(buffer, 0, n));
                if (until is not null && text.ToString().Contains(until, StringComparison.Ordinal))
                {
                    return (text.ToString(), true);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return (text.ToString(), false);
        }
        catch (IOException)
        {
            Closed = true; // reset by the peer
            return (text.ToString(), true);
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
