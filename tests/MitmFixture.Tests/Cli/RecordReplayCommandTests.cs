using MitmFixture.Cassettes;
using MitmFixture.Tests.Readme;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>The tool driven as a process: record with curl through it, stop it with SIGTERM, replay with the server gone.</summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class RecordReplayCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-cli-rr-").FullName;

    [Fact]
    public async Task Record_CurlThroughIt_SigtermLeavesCompleteCassette_ReplayServesItOffline()
    {
        var cassette = Path.Combine(_directory, "recorded.json");
        var upstream = await TestUpstream.StartAsync();
        var url = $"{upstream.HttpUrl}/echo/recorded?x=1";
        string recordedBody;
        await using (var record = CliProcess.Start("record", "-o", cassette, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}"))
        {
            var proxy = await record.WaitListeningAsync();
            var curl = await Curl.RunAsync("-x", proxy.ToString(), url);
            Assert.Equal(0, curl.ExitCode);
            recordedBody = curl.Stdout;
            record.Terminate();
            Assert.Equal(0, await record.WaitForExitAsync(TimeSpan.FromSeconds(15)));
            Assert.Contains("1 flows recorded", record.Stderr, StringComparison.Ordinal);
        }

        await upstream.DisposeAsync();
        Assert.Single(Cassette.Load(cassette).Flows);

        await using var replay = CliProcess.Start("replay", cassette, "--kill-extra", "--set", $"confdir={_directory}", "--fetch", url);
        Assert.Equal(0, await replay.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains($"GET {url} -> 200 OK", string.Join("\n", replay.Lines), StringComparison.Ordinal);
        Assert.Contains(recordedBody.Split('\n')[0], string.Join("\n", replay.Lines), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("record", "-o")]
    [InlineData("dump", "-w")]
    public async Task Write_RedactionByFlagSetAndFile_KeepsTheSecretsOutOfTheCassette(string verb, string outputFlag)
    {
        var cassette = Path.Combine(_directory, verb + ".json");
        var options = Path.Combine(_directory, verb + "-options.yaml");
        await File.WriteAllTextAsync(options, "redact_json_fields:\n  - auth.token\n", TestContext.Current.CancellationToken);
        await using var upstream = await TestUpstream.StartAsync();
        await using (var cli = CliProcess.Start(verb, outputFlag, cassette, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}",
            "--redact-headers", "X-Api-Key", "--set", "redact_query_params=key", "--options", options, "--no-redact-defaults"))
        {
            var proxy = await cli.WaitListeningAsync();
            var curl = await Curl.RunAsync("-x", proxy.ToString(), "-H", "X-Api-Key: header-secret-1", "-H", "Authorization: Bearer kept-on-purpose",
                "-H", "Content-Type: application/json", "--data", "{\"auth\":{\"token\":\"json-secret-2\"}}", $"{upstream.HttpUrl}/echo/x?key=query-secret-3");
            Assert.Equal(0, curl.ExitCode);
            cli.Terminate();
            Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(15)));
        }

        var text = await File.ReadAllTextAsync(cassette, TestContext.Current.CancellationToken);
        Assert.Single(Cassette.Load(cassette).Flows);
        Assert.DoesNotContain("header-secret-1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("json-secret-2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("query-secret-3", text, StringComparison.Ordinal);
        Assert.Contains("kept-on-purpose", text, StringComparison.Ordinal); // --no-redact-defaults
    }

    [Fact]
    public async Task Record_KilledWithSigkill_CassetteOnDiskIsTheLastCompleteVersion()
    {
        var cassette = Path.Combine(_directory, "killed.json");
        await using var server = new CountingServer();
        await using var record = CliProcess.Start("record", "-o", cassette, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}");
        var proxy = await record.WaitListeningAsync();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(0, (await Curl.RunAsync("-x", proxy.ToString(), $"{server.Url}/n{i}")).ExitCode);
        }

        System.Diagnostics.Process.GetProcessById(record.Id).Kill(); // SIGKILL: no chance to flush
        await record.WaitForExitAsync(TimeSpan.FromSeconds(10));

        var flows = Cassette.Load(cassette).Flows; // parses: never half-written
        Assert.InRange(flows.Count, 15, 20);
        Assert.Equal(Enumerable.Range(0, flows.Count).Select(i => $"/n{i}"), flows.Select(f => f.Request.Path));

        // A temp file the killed writer may have left is cleaned up by the next writer of that cassette.
        await using (var next = CassetteWriter.Create(cassette, append: true))
        {
            Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        }

        Assert.Equal(flows.Count, Cassette.Load(cassette).Flows.Count);
    }

    [Fact]
    public async Task Replay_ServerProxy_CurlGetsRecordedAnswerAndUnmatchedExplained()
    {
        var sample = Path.Combine(ReadmeExampleTests.FindRepositoryRoot(), "recordings", "sample.json");
        await using var replay = CliProcess.Start("replay", sample, "--listen", "127.0.0.1:0", "--server-replay-extra", "404", "--set", $"confdir={_directory}");
        var proxy = await replay.WaitListeningAsync();
        var ca = Path.Combine(_directory, "mitmfixture-ca-cert.pem");

        var hit = await Curl.RunAsync("-x", proxy.ToString(), "--cacert", ca, "https://api.example.com/users/1");
        var miss = await Curl.RunAsync("-x", proxy.ToString(), "--cacert", ca, "https://api.example.com/users/9");

        Assert.Equal("{\"id\":1,\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}", hit.Stdout);
        Assert.Contains("path (/users/9 vs recorded /users/1)", miss.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "replay", "missing.json" }, "cannot read the cassette")]
    [InlineData(new[] { "replay", "x.json", "--server-replay-extra", "302" }, "expected forward, kill, 204, 400, 404 or 500")]
    [InlineData(new[] { "record" }, "--output")]
    [InlineData(new[] { "dump", "--no-such-flag" }, "unknown option '--no-such-flag'")]
    [InlineData(new[] { "ca", "path", "--no-such-flag" }, "--no-such-flag")]
    public async Task BadArguments_ExitTwoWithAClearMessage(string[] arguments, string message)
    {
        await using var cli = CliProcess.Start(arguments);

        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)); // also drains stdout and stderr

        Assert.Equal(2, exit);
        Assert.Contains(message, cli.Stderr + string.Join("\n", cli.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadmeFirstCommand_ReplaysTheSampleCassette()
    {
        var sample = Path.Combine(ReadmeExampleTests.FindRepositoryRoot(), "recordings", "sample.json");
        await using var cli = CliProcess.Start("replay", sample, "--fetch", "https://api.example.com/users/1", "--fetch", "http://api.example.com/health", "--set", $"confdir={_directory}");

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("GET https://api.example.com/users/1 -> 200 OK (application/json)", cli.Lines);
        Assert.Contains("ok", cli.Lines);
    }

    [Fact]
    public async Task ClientReplay_SendsEachRecordedRequestAgainAndWritesTheNewFlows()
    {
        await using var server = new CountingServer();
        var recorded = Path.Combine(_directory, "to-replay.json");
        var again = Path.Combine(_directory, "again.json");
        Cassette.Save(recorded, [
            new MitmFixture.Flows.Flow(MitmFixture.Http.HttpRequest.Create("GET", server.Url + "/one")),
            new MitmFixture.Flows.Flow(MitmFixture.Http.HttpRequest.Create("POST", server.Url + "/two", "body"u8.ToArray())),
        ]);

        await using var cli = CliProcess.Start("client-replay", recorded, "-o", again, "--set", $"confdir={_directory}");

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(cli.Lines, l => l.StartsWith("[1/2] - GET " + server.Url + "/one << 200 OK", StringComparison.Ordinal));
        Assert.Contains("2 of 2 requests answered, 0 failed", cli.Lines);
        Assert.Equal(["answer 1", "answer 2"], Cassette.Load(again).Flows.Select(f => f.Response!.Text));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task ClientReplay_FlowRecordedOverHttp2_GoesOverH2AgainWithItsTrailers()
    {
        await using var upstream = await H2Upstream.StartAsync();
        var recorded = Path.Combine(_directory, "h2-to-replay.json");
        var again = Path.Combine(_directory, "h2-again.json");
        await using (var recorder = await ProxyHarness.StartAsync(null, o => o with { UpstreamTrustedCertificates = [upstream.Authority] }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, upstream.H2Url + "/trailers") { Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            (await recorder.CreateClient().SendAsync(request, TestContext.Current.CancellationToken)).Dispose();
            Cassette.Save(recorded, recorder.Proxy.Flows.Snapshot());
        }

        await using var cli = CliProcess.Start("client-replay", recorded, "-o", again, "--ssl-insecure", "--set", $"confdir={_directory}");

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("1 of 1 requests answered, 0 failed", cli.Lines);
        var flow = Assert.Single(Cassette.Load(again).Flows);
        Assert.Equal("HTTP/2.0", flow.Response!.HttpVersion);
        Assert.Equal("h2", flow.Server.Alpn);
        Assert.Equal("abc123", flow.Response.Trailers!.Get("x-checksum"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
