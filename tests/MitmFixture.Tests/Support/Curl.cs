using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>Runs the real curl binary, bounded in time, and returns what it printed.</summary>
public static class Curl
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(params string[] arguments)
    {
        var home = ChildEnvironment.CreateHome();
        try
        {
            return await RunAsync(home, arguments);
        }
        finally
        {
            ChildEnvironment.DeleteHome(home);
        }
    }

    private static async Task<Result> RunAsync(string home, string[] arguments)
    {
        var start = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }.Isolate(home);
        start.ArgumentList.Add("-q"); // first, or curl reads ~/.curlrc anyway
        start.ArgumentList.Add("--silent");
        start.ArgumentList.Add("--show-error");
        start.ArgumentList.Add("--max-time");
        start.ArgumentList.Add("20");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
