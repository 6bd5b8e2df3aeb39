using System.Diagnostics;

namespace MitmFixture.Tests.Support;

/// <summary>Runs the real curl binary, bounded in time, and returns what it printed.</summary>
public static class Curl
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(params string[] arguments) => RunWithEnvironmentAsync(new Dictionary<string, string>(), arguments);

    /// <summary>curl as a child process of a test: with the variables it inherits (the fixture's proxy variables).</summary>
    public static async Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var home = ChildEnvironment.CreateHome();
        try
        {
            return await RunAsync(home, environment, arguments);
        }
        finally
        {
            ChildEnvironment.DeleteHome(home);
        }
    }

    private static async Task<Result> RunAsync(string home, IReadOnlyDictionary<string, string> environment, string[] arguments)
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

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
