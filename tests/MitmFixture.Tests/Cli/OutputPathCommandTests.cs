using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// Every command that writes a file, given one it cannot write: a usage error (exit 2) before any
/// work, one line naming the file and why, no stack trace, and (for record and dump) no proxy. A
/// cassette a command cannot read is a usage error too, so scan's exit 1 only ever means a finding.
/// </summary>
[Trait("Category", "Slow")] // each case starts the CLI as a process
public sealed class OutputPathCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-output-cli-").FullName;

    public static TheoryData<string, string[]> Writers => new()
    {
        { "record -o", ["record", "-o", "{bad}", "--listen", "127.0.0.1:0", "--set", "confdir={home}"] },
        { "dump -w", ["dump", "-w", "{bad}", "--listen", "127.0.0.1:0", "--set", "confdir={home}"] },
        { "dump -r -w", ["dump", "-r", "{sample}", "-w", "{bad}"] },
        { "client-replay -o", ["client-replay", "{sample}", "-o", "{bad}", "--set", "confdir={home}"] },
        { "convert", ["convert", "{sample}", "{bad}"] },
        { "report -o", ["report", "{sample}", "-o", "{bad}"] },
        { "drift --junit", ["drift", "{sample}", "--junit", "{bad}", "--set", "confdir={home}"] },
        { "ca export -o", ["ca", "export", "-o", "{bad}", "--confdir", "{home}"] },
    };

    [Theory]
    [MemberData(nameof(Writers))]
    public async Task FileUnderAFile_IsAUsageErrorBeforeAnyWork(string what, string[] arguments)
    {
        var blocker = Path.Combine(_directory, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "x", TestContext.Current.CancellationToken);
        var bad = Path.Combine(blocker, "out.json");
        var sample = Path.Combine(Readme.ReadmeExampleTests.FindRepositoryRoot(), "recordings", "sample.json");

        await using var cli = CliProcess.Start([.. arguments.Select(a => a.Replace("{bad}", bad, StringComparison.Ordinal).Replace("{sample}", sample, StringComparison.Ordinal).Replace("{home}", _directory, StringComparison.Ordinal))]);
        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(code == 2, $"{what}: exit {code}, stderr: {cli.Stderr}");
        var line = Assert.Single(cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {bad}: cannot write the file: {blocker} is a file, not a folder", line);
        Assert.DoesNotContain("listening", string.Join("\n", cli.Lines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scan")]
    [InlineData("redact")]
    [InlineData("prune")]
    public async Task MissingCassette_IsAUsageError(string command)
    {
        var missing = Path.Combine(_directory, "missing.json");
        string[] arguments = command == "prune" ? [command, missing, "~u /x"] : [command, missing];

        await using var cli = CliProcess.Start(arguments);

        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.StartsWith($"error: {missing}: cannot read the cassette", cli.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
