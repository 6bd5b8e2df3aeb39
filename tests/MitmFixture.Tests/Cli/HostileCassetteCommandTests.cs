using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// Hostile cassettes given to the real commands: one line on stderr per refused file (file, line,
/// JSON path, reason), no stack trace, no proxy started, nothing sent to any server.
/// </summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class HostileCassetteCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-hostile-cli-").FullName;

    [Fact]
    public async Task Replay_EveryHostileFieldAndStructure_OneLinePerFileNoStackTrace()
    {
        // replay takes many cassettes and reports every one it refuses, so one process covers every case.
        var expected = new List<(string File, string Start, string Reason)>();
        var files = new List<string>();
        var n = 0;
        foreach (var row in HostileCassettes.Fields)
        {
            var (field, value, jsonPath, reason) = row.Data;
            var file = Write($"field{n++}.json", HostileCassettes.With(8080, field, value));
            files.Add(file);
            expected.Add((file, $"error: {file}:{HostileCassettes.LineOf(field)} at {jsonPath}: ", reason));
        }

        foreach (var row in HostileCassettes.Structures)
        {
            var (json, words) = row.Data;
            var file = Write($"structure{n++}.json", json);
            files.Add(file);
            expected.Add((file, $"error: {file}", words));
        }

        await using var replay = CliProcess.Start(["replay", .. files, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}"]);
        var code = await replay.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
        Assert.DoesNotContain("listening", string.Join("\n", replay.Lines), StringComparison.Ordinal);
        var lines = replay.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)); // no stack frames
        foreach (var (file, start, reason) in expected)
        {
            var line = Assert.Single(lines, l => l.StartsWith($"error: {file}", StringComparison.Ordinal) && l.Length > $"error: {file}".Length && l[$"error: {file}".Length] is ':' or ' ');
            Assert.StartsWith(start, line, StringComparison.Ordinal);
            Assert.Contains(reason, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ClientReplay_HeaderInjectionCassette_RefusedAndNothingReachesTheServer()
    {
        await using var server = new ScriptedRawServer(_ => new("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        var file = Write("inject.json", HostileCassettes.With(server.Port, "request_header", "\"X-Test: a\\r\\nX-Smuggled: 1\""));

        await using var replay = CliProcess.Start("client-replay", file, "--set", $"confdir={_directory}");
        var code = await replay.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, code);
        Assert.StartsWith($"error: {file}:{HostileCassettes.LineOf("request_header")} at $.flows[0].request.headers[1]: ", replay.Stderr, StringComparison.Ordinal);
        Assert.Single(replay.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("Run 'mitmfixture", StringComparison.Ordinal));
        Assert.Equal(0, server.Connections);

        // The same cassette made valid replays fine against the same server: the refusal is the field's doing.
        var valid = Write("valid.json", HostileCassettes.Valid(server.Port));
        await using var ok = CliProcess.Start("client-replay", valid, "--set", $"confdir={_directory}");
        Assert.Equal(0, await ok.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Single(server.Requests);
    }

    // mitmproxy's client replay refuses a CONNECT and strips an h2c upgrade: these commands send the
    // recorded requests again, so such a cassette is refused before the proxy starts, naming file and line.
    [Theory]
    [InlineData("client-replay", "method", "\"CONNECT\"", "$.flows[0].request.method", "client replay does not send CONNECT")]
    [InlineData("client-replay", "request_header", "\"Upgrade: h2c\"", "$.flows[0].request.headers[1]", "an h2c upgrade")]
    [InlineData("drift", "request_header", "\"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\"", "$.flows[0].request.headers[1]", "HTTP2-Settings belongs to an h2c upgrade")]
    public async Task ClientReplayAndDrift_RequestThatMustNotBeSentAgain_RefusedAtLoadAndNothingReachesTheServer(string command, string field, string value, string jsonPath, string reason)
    {
        await using var server = new ScriptedRawServer(_ => new("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        var file = Write("unsendable.json", HostileCassettes.With(server.Port, field, value));

        await using var cli = CliProcess.Start(command, file, "--set", $"confdir={_directory}");
        var code = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, code);
        var error = Assert.Single(cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("Run 'mitmfixture", StringComparison.Ordinal));
        Assert.StartsWith($"error: {file}:{HostileCassettes.LineOf(field)} at {jsonPath}: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task ConvertAndScan_NullFlow_OneLineError()
    {
        var file = Write("friends.json", """{"version":1,"flows":[null]}""");
        foreach (var arguments in (string[][])[["convert", file, Path.Combine(_directory, "out.har")], ["scan", file]])
        {
            await using var cli = CliProcess.Start(arguments);
            Assert.NotEqual(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            var errors = cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("Run 'mitmfixture", StringComparison.Ordinal)).ToList();
            Assert.True(errors.Count == 1, $"{arguments[0]}: {cli.Stderr}");
            Assert.StartsWith($"error: {file}", errors[0], StringComparison.Ordinal);
        }
    }

    private string Write(string name, string json)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
