using System.Xml.Linq;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// <c>mitmfixture drift</c> as a process against a real Kestrel service: a cassette is recorded
/// through the proxy (client-replay -o), the service changes, and the check must say so.
/// </summary>
public sealed class DriftCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-drift-").FullName;

    [Fact]
    public async Task Drift_ServiceUnchanged_EveryFlowSameDespiteVolatileValues()
    {
        await using var server = new ChangingServer();
        var cassette = await RecordAsync(server);

        await using var cli = Drift([cassette, "--ignore-field", "generated", "--redact-env", "AUTHORIZATION"], Secret());

        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
        Assert.Contains($"same    #1 GET {server.Url}/user", cli.Lines);
        Assert.Contains($"same    #2 GET {server.Url}/secure", cli.Lines);
        Assert.Contains($"same    #3 GET {server.Url}/logo.bin", cli.Lines);
        Assert.Contains("3 flows checked: 3 same, 0 drifted, 0 failed", cli.Lines);
    }

    [Fact]
    public async Task Drift_ChosenFieldNotIgnored_VolatileJsonFieldIsDrift()
    {
        await using var server = new ChangingServer();
        var cassette = await RecordAsync(server);

        await using var cli = Drift([cassette, "~u /user"]);

        Assert.Equal(1, await cli.WaitForExitAsync(Timeout));
        Assert.Contains($"drifted #1 GET {server.Url}/user: body", cli.Lines);
        Assert.Contains("1 flows checked: 0 same, 1 drifted, 0 failed", cli.Lines);
    }

    [Fact]
    public async Task Drift_ServiceChanged_ExitsOneWithDiffPerFlowAndJUnitReport()
    {
        await using var server = new ChangingServer();
        var cassette = await RecordAsync(server);
        server.Version = 2;
        var junit = Path.Combine(_directory, "drift.xml");

        await using var cli = Drift([cassette, "--ignore-field", "generated", "--junit", junit, "--redact-env", "AUTHORIZATION"], Secret());

        Assert.Equal(1, await cli.WaitForExitAsync(Timeout));
        Assert.Contains($"drifted #1 GET {server.Url}/user: header X-Api-Version, body", cli.Lines);
        Assert.Contains($"same    #2 GET {server.Url}/secure", cli.Lines);
        Assert.Contains($"drifted #3 GET {server.Url}/logo.bin: body", cli.Lines);
        var output = string.Join("\n", cli.Lines);
        Assert.Contains("-    \"X-Api-Version: 1\"", output, StringComparison.Ordinal);
        Assert.Contains("+    \"X-Api-Version: 2\"", output, StringComparison.Ordinal);
        Assert.Contains("-    \"name\": \"Ada\"", output, StringComparison.Ordinal);
        Assert.Contains("+    \"name\": \"Grace\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"id\": 1", output.Split('\n').Where(l => l.StartsWith('-') || l.StartsWith('+')), StringComparer.Ordinal);

        var report = XDocument.Load(junit).Root!;
        Assert.Equal("3", report.Attribute("tests")!.Value);
        Assert.Equal("2", report.Attribute("failures")!.Value);
        var failures = report.Descendants("failure").ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains("Grace", failures[0].Value, StringComparison.Ordinal);
        Assert.Contains($"#2 GET {server.Url}/secure", report.Descendants("testcase").Select(t => t.Attribute("name")!.Value));
    }

    [Fact]
    public async Task Drift_Update_RewritesOnlyDriftedFlowsRedactedAndTheNextCheckPasses()
    {
        await using var server = new ChangingServer();
        var cassette = await RecordAsync(server);
        var secureBefore = Cassette.Load(cassette).Flows[1];
        server.Version = 2;

        await using (var update = Drift([cassette, "--ignore-field", "generated", "--update", "--redact-env", "AUTHORIZATION"], Secret()))
        {
            Assert.Equal(1, await update.WaitForExitAsync(Timeout));
            Assert.Contains($"updated {cassette}: flows #1, #3", update.Lines);
        }

        var flows = Cassette.Load(cassette).Flows;
        Assert.Contains("Grace", flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.Equal(secureBefore.Response!.Text, flows[1].Response!.Text);
        Assert.DoesNotContain("s3cret", await File.ReadAllTextAsync(cassette, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await using var again = Drift([cassette, "--ignore-field", "generated", "--redact-env", "AUTHORIZATION"], Secret());
        Assert.Equal(0, await again.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Drift_RedactedCassette_RedactEnvFillsThePlaceholderFromTheEnvironment()
    {
        await using var server = new ChangingServer();
        var cassette = await RecordAsync(server);
        Assert.Equal("Bearer <AUTHORIZATION>", Cassette.Load(cassette).Flows[1].Request.Headers.Get("Authorization"));

        await using (var without = Drift([cassette, "~u secure"]))
        {
            Assert.Equal(1, await without.WaitForExitAsync(Timeout));
            Assert.Contains($"drifted #2 GET {server.Url}/secure: status 200 -> 401, header Content-Type, body", without.Lines);
        }

        await using var with = Drift([cassette, "~u secure", "--redact-env", "AUTHORIZATION"], Secret());
        Assert.Equal(0, await with.WaitForExitAsync(Timeout));
        Assert.Contains($"same    #2 GET {server.Url}/secure", with.Lines);
    }

    [Fact]
    public async Task Drift_ServiceGone_FlowFailsAndExitIsOne()
    {
        string cassette;
        await using (var server = new ChangingServer())
        {
            cassette = await RecordAsync(server);
        }

        await using var cli = Drift([cassette, "~u logo"]);

        Assert.Equal(1, await cli.WaitForExitAsync(Timeout));
        Assert.Contains(cli.Lines, l => l.StartsWith("failed  #3 GET ", StringComparison.Ordinal));
        Assert.Contains("1 flows checked: 0 same, 0 drifted, 1 failed", cli.Lines);
    }

    [Theory]
    [InlineData("missing.json", "missing.json: no such cassette")]
    [InlineData("~q ~~ bad(", "filter '~q ~~ bad(':")]
    [InlineData("--set=no_such_option=1", "no_such_option")]

    // A CI gate must not pass having checked nothing: a misspelt second cassette was read as a filter
    // matching no flow, a mistyped option likewise, and drift passed with "0 flows checked".
    [InlineData("+typo.json", "typo.json: no such cassette")]
    [InlineData("--bogus", "unknown option '--bogus'")]
    [InlineData("~u nowhere-at-all", "filter '~u nowhere-at-all' chose none of the cassettes' 1 flows, so nothing would be checked")]
    public async Task Drift_UsageError_ExitsTwoWithOneClearLine(string argument, string message)
    {
        var cassette = Path.Combine(_directory, "one.json");
        Cassette.Save(cassette, [new Flow(HttpRequest.Create("GET", "http://127.0.0.1:9/"))]);
        string[] arguments = argument.StartsWith('+') ? [cassette, Path.Combine(_directory, argument[1..])]
            : argument.EndsWith(".json", StringComparison.Ordinal) ? [Path.Combine(_directory, argument)] : [cassette, argument];

        await using var cli = Drift(arguments);

        Assert.Equal(2, await cli.WaitForExitAsync(Timeout));
        Assert.Contains(message, cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    // The Authorization placeholder stands for the credential after the scheme (cassette-wide redaction keeps "Bearer").
    private static Dictionary<string, string> Secret() => new() { ["AUTHORIZATION"] = ChangingServer.Credential };

    private CliProcess Drift(string[] arguments, Dictionary<string, string>? environment = null) =>
        CliProcess.Start(environment ?? [], ["drift", .. arguments, "--set", $"confdir={_directory}"]);

    /// <summary>Records the three endpoints through the proxy: the cassette as record would write it, the token redacted.</summary>
    private async Task<string> RecordAsync(ChangingServer server)
    {
        var requests = Path.Combine(_directory, "requests.json");
        var recorded = Path.Combine(_directory, "recorded.json");
        Cassette.Save(requests, [
            new Flow(HttpRequest.Create("GET", server.Url + "/user")),
            new Flow(HttpRequest.Create("GET", server.Url + "/secure", null, ("Authorization", ChangingServer.Token))),
            new Flow(HttpRequest.Create("GET", server.Url + "/logo.bin")),
        ], Redactor.None);
        await using var cli = CliProcess.Start("client-replay", requests, "-o", recorded, "--set", $"confdir={_directory}");
        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
        return recorded;
    }
}
