using System.Diagnostics;
using System.Xml.Linq;
using MitmFixture.Tests.Readme;

namespace MitmFixture.Tests.Support;

/// <summary>Runs the dotnet CLI on a throwaway project, as a user would, bounded in time and without build servers left behind.</summary>
public static class Dotnet
{
    public sealed record Result(int ExitCode, string Output)
    {
        public void AssertSucceeded(string what) => Assert.True(ExitCode == 0, $"{what} failed ({ExitCode}):\n{Output}");
    }

    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // What this test run was started with must not leak into the nested one.
        foreach (var inherited in new[] { "MITMFIXTURE_MODE", "MITMFIXTURE_MODE_PROPERTY", "MITMFIXTURE_ACCEPT", "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "VSTEST_HOST_DEBUG" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} took longer than {timeout.TotalSeconds:0} s:\n{await stdout}{await stderr}");
        }

        return new Result(process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A package version pinned in the repository's Directory.Packages.props, so throwaway projects use the same.</summary>
    public static string PinnedVersion(string package) =>
        XDocument.Load(Path.Combine(ReadmeExampleTests.FindRepositoryRoot(), "Directory.Packages.props"))
            .Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == package).Attribute("Version")!.Value; // pinned entries carry a version

    /// <summary>Files that keep a throwaway project in a temp folder independent of whatever lies above it.</summary>
    public static async Task WriteIsolationFilesAsync(string folder)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Build.props"), "<Project />", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Build.targets"), "<Project />", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "Directory.Packages.props"), "<Project />", TestContext.Current.CancellationToken);
    }
}
