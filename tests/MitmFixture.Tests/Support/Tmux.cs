using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A program running in a real terminal: a detached tmux session on its own server socket, driven
/// with send-keys and read with capture-pane, as a user at a terminal would. Disposing kills the server.
/// </summary>
public sealed class Tmux : IDisposable
{
    private readonly string _socket = "mitmfixture-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The terminal's HOME (the server and the program inherit it): an empty temp folder, deleted with the server.</summary>
    private readonly string _home = ChildEnvironment.CreateHome();

    private Tmux()
    {
    }

    /// <summary>Starts <paramref name="command"/> (a shell command line) in a <paramref name="width"/>x<paramref name="height"/> terminal.</summary>
    public static Tmux Start(string command, int width = 140, int height = 40)
    {
        var tmux = new Tmux();
        var result = tmux.Run("new-session", "-d", "-s", "main", "-x", width.ToString(System.Globalization.CultureInfo.InvariantCulture), "-y", height.ToString(System.Globalization.CultureInfo.InvariantCulture), command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("tmux new-session failed (is tmux installed? .ci/run installs it): " + result.Output);
        }

        return tmux;
    }

    /// <summary>Sends keys as tmux names them: literal text, or Enter, Escape, Tab, C-u ...</summary>
    public void SendKeys(params string[] keys)
    {
        foreach (var key in keys)
        {
            Run("send-keys", "-t", "main", key);
        }
    }

    /// <summary>
    /// Sends keys in one send-keys call, so their bytes reach the program together, as from a quick
    /// typist or a paste (Esc then a key arrive as one read).
    /// </summary>
    public void SendKeysTogether(params string[] keys) => Run(["send-keys", "-t", "main", .. keys]);

    /// <summary>Types text literally (no key-name lookup), so "~q" or "Enter" as text stay text.</summary>
    public void Type(string text) => Run("send-keys", "-t", "main", "-l", text);

    /// <summary>What the terminal shows now.</summary>
    public string Capture() => Run("capture-pane", "-p", "-t", "main").Output;

    public bool SessionAlive => Run("has-session", "-t", "main").ExitCode == 0;

    /// <summary>Waits until the screen holds <paramref name="text"/>; fails with the screen shown.</summary>
    public async Task<string> WaitForAsync(string text, int timeoutMs = 15000)
    {
        var screen = "";
        for (var waited = 0; waited < timeoutMs; waited += 100)
        {
            screen = Capture();
            if (screen.Contains(text, StringComparison.Ordinal))
            {
                return screen;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"'{text}' did not show within {timeoutMs} ms; the screen:\n{screen}");
        return screen;
    }

    public async Task WaitForExitAsync(int timeoutMs = 15000)
    {
        for (var waited = 0; waited < timeoutMs && SessionAlive; waited += 100)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.False(SessionAlive, "the program in tmux did not exit; the screen:\n" + Capture());
    }

    public void Dispose()
    {
        Run("kill-server");
        ChildEnvironment.DeleteHome(_home);
    }

    private (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("tmux")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }.Isolate(_home);
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(_socket);
        start.ArgumentList.Add("-f"); // no ~/.tmux.conf
        start.ArgumentList.Add("/dev/null");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start");
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit(10_000);
        return (process.ExitCode, output);
    }
}
