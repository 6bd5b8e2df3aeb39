using System.Text;
using MitmFixture.Cli.ConsoleUi.Rendering;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// Runs a <see cref="ConsoleApp"/> on the real terminal: the alternate screen, keys read on this
/// thread (polled, so the external editor can have the terminal without a reader stealing keys),
/// and frames redrawn after keys and every <see cref="Tick"/>, writing only the lines that changed.
/// </summary>
internal sealed class ConsoleRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private readonly ConsoleApp _app;
    private readonly Stream _stdout = Console.OpenStandardOutput();
    private readonly SpectreFrame _frame = new(Environment.GetEnvironmentVariable("NO_COLOR") is null ? Spectre.Console.ColorSystemSupport.Detect : Spectre.Console.ColorSystemSupport.NoColors);
    private string[] _shown = [];
    private (int Width, int Height) _size;

    public ConsoleRunner(ConsoleApp app) => _app = app;

    /// <summary>Why the console cannot run here, or null: it needs a terminal on both ends.</summary>
    public static string? WhyNoTerminal() =>
        Console.IsInputRedirected || Console.IsOutputRedirected
            ? "the console needs an interactive terminal (stdin and stdout); use 'mitmfixture dump' or 'record' in scripts"
            : null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Console.TreatControlCAsInput = true; // Ctrl+C is a key here (quit), not a signal that skips clean-up
        _app.TerminalHandover = HandOver;
        EnterScreen();
        try
        {
            var nextTick = DateTime.UtcNow;
            while (!_app.QuitRequested && !cancellationToken.IsCancellationRequested)
            {
                var changed = false;
                while (Console.KeyAvailable && !_app.QuitRequested)
                {
                    foreach (var key in Keys.FromTerminal(Console.ReadKey(intercept: true)))
                    {
                        _app.HandleKey(key);
                    }

                    changed = true;
                }

                if (changed || DateTime.UtcNow >= nextTick)
                {
                    _app.Sync();
                    Draw();
                    nextTick = DateTime.UtcNow + Tick;
                }

                try
                {
                    await Task.Delay(Poll, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            LeaveScreen();
            Console.TreatControlCAsInput = false;
        }
    }

    private byte[]? HandOver(Func<byte[]?> run)
    {
        LeaveScreen();
        try
        {
            return run();
        }
        finally
        {
            EnterScreen();
        }
    }

    private void Draw()
    {
        // The real size, however small: a frame larger than the terminal would scroll it and leave the
        // screen garbled until the next resize (FrameBuilder fits the layout to it).
        var size = (Math.Max(2, Console.WindowWidth), Math.Max(1, Console.WindowHeight));
        var output = new StringBuilder();
        if (size != _size)
        {
            _size = size;
            _shown = [];
            output.Append("\u001b[2J");
        }

        var width = size.Item1 - 1; // the last column stays empty: writing it makes some terminals wrap
        IReadOnlyList<string> lines;
        try
        {
            lines = _frame.Render(FrameBuilder.Build(_app, width, size.Item2), width);
        }
        catch (Exception e)
        {
            _app.ReportDrawFailure(e); // the status bar or the drawing itself; the next tick tries again
            return;
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (i < _shown.Length && _shown[i] == lines[i])
            {
                continue;
            }

            output.Append("\u001b[").Append(i + 1).Append(";1H").Append(lines[i]).Append("\u001b[0m\u001b[K");
        }

        _shown = [.. lines];
        Write(output.ToString());
    }

    private void EnterScreen()
    {
        _shown = [];
        _size = default;
        Write("\u001b[?1049h\u001b[?25l\u001b[H\u001b[2J"); // alternate screen, hidden cursor
    }

    private void LeaveScreen() => Write("\u001b[0m\u001b[?25h\u001b[?1049l");

    private void Write(string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        _stdout.Write(bytes);
        _stdout.Flush();
    }
}
