using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>mitmfixture console's start-up errors, as a process (its screens are tested in ConsoleUi/).</summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class ConsoleCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-console-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Console_WithoutATerminal_SaysWhatToUseAndExits1()
    {
        await using var cli = CliProcess.Start("console", "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}");
        Assert.Equal(1, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("needs an interactive terminal", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("mitmfixture dump", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_BadFiltersAndMissingCassettes_AllReportedWithExit2()
    {
        var missing = Path.Combine(_directory, "missing.json");
        await using var cli = CliProcess.Start("console", "-i", "~nonsense", "--view-filter", "(~q", "-r", missing, "-S", missing, "--set", $"confdir={_directory}");
        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("--intercept", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("--view-filter '(~q'", cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, cli.Stderr.Split('\n').Count(line => line.StartsWith("error: " + missing, StringComparison.Ordinal))); // -r and -S
    }
}
