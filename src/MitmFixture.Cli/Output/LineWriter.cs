using System.Threading.Channels;

namespace MitmFixture.Cli.Output;

/// <summary>
/// Writes lines to stdout from a background task, so a slow terminal never holds up a proxied
/// request; flushes whenever the queue runs dry. After each batch the pump rests for
/// <see cref="BatchInterval"/>: a line written while it is idle goes out at once, but under load
/// lines are written in batches instead of waking a thread-pool thread per flow, which cost more
/// CPU than proxying the request (bench/RESULTS.md, "Socket transport").
/// </summary>
internal sealed class LineWriter : IAsyncDisposable
{
    private static readonly TimeSpan BatchInterval = TimeSpan.FromMilliseconds(20);

    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TextWriter _output;
    private readonly Task _pump;

    public LineWriter(TextWriter output)
    {
        _output = output;
        _pump = PumpAsync();
    }

    /// <summary>Standard output with a large buffer and no flush per line (Console.Out flushes every write).</summary>
    public static LineWriter ForStandardOutput() =>
        new(new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 64 * 1024) { AutoFlush = false });

    public void WriteLine(string line) => _lines.Writer.TryWrite(line);

    private async Task PumpAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var line))
            {
                await _output.WriteLineAsync(line);
            }

            await _output.FlushAsync();
            await Task.Delay(BatchInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _pump;
        await _output.FlushAsync();
    }
}
