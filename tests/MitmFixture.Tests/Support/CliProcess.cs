using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MitmFixture.Tests.Support;

/// <summary>The real mitmfixture command running as its own process, for tests that watch it from outside (memory, signals, output).</summary>
public sealed partial class CliProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process process, string home)
    {
        _process = process;
        Home = home;
    }

    public int Id => _process.Id;

    /// <summary>The process's own HOME, an empty temp folder deleted with it: nothing reaches the real ~/.mitmfixture.</summary>
    public string Home { get; }

    /// <summary>The CLI's own build output, same configuration and framework as these tests.</summary>
    public static string Dll
    {
        get
        {
            var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = framework.Parent!; // bin/<configuration>/<framework>
            var root = configuration.Parent;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "MitmFixture.sln")))
            {
                root = root.Parent;
            }

            return root is null
                ? throw new InvalidOperationException("MitmFixture.sln not found above " + AppContext.BaseDirectory)
                : Path.Combine(root.FullName, "src", "MitmFixture.Cli", "bin", configuration.Name, framework.Name, "MitmFixture.Cli.dll");
        }
    }

    /// <summary>Stdout lines so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    private readonly System.Text.StringBuilder _stderr = new();

    /// <summary>Standard error so far (complete once <see cref="WaitForExitAsync"/> returned).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the command; for a command that listens, wait for <see cref="WaitListeningAsync"/>.</summary>
    public static CliProcess Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>Starts the command in an isolated environment (<see cref="ChildEnvironment"/>) plus <paramref name="environment"/>.</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var home = ChildEnvironment.CreateHome();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }.Isolate(home);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(Dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var cli = new CliProcess(process, home);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (cli._lines)
            {
                cli._lines.Add(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                cli._listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.BeginOutputReadLine();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (cli._stderr)
                {
                    cli._stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.BeginErrorReadLine();
        return cli;
    }

    public async Task<Uri> WaitListeningAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30)));
        if (first != _listening.Task)
        {
            throw new InvalidOperationException($"mitmfixture did not start listening: {Stderr}");
        }

        return await _listening.Task;
    }

    /// <summary>Runs to completion and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // also drains the asynchronous stdout and stderr readers
        return _process.ExitCode;
    }

    /// <summary>The process's peak resident memory (VmHWM), in bytes; Linux only.</summary>
    public long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmHWM in /proc status");
    }

    /// <summary>Sends SIGTERM, as a service manager or CI would.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        ChildEnvironment.DeleteHome(Home);
    }

    [GeneratedRegex(@"listening at (\S+)")]
    private static partial Regex ListeningLine();
}
