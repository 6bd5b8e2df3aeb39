using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>redact, scan and prune on a cassette that leaked secrets, driven as a process as CI would.</summary>
[Trait("Category", "Slow")] // each test starts the CLI as a process
public sealed class UpkeepCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-upkeep-").FullName;

    private string Leaky()
    {
        var path = Path.Combine(_directory, "leaky.json");
        var login = new Flow(HttpRequest.Create("POST", "https://api.example.com/login", "{\"key\":\"AKIAABCDEFGHIJKLMNOP\"}"u8.ToArray(), ("Authorization", "Bearer live-token-123456"), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        var health = new Flow(HttpRequest.Create("GET", "https://api.example.com/health")) { Response = HttpResponse.Create(200, "fine") };
        Cassette.Save(path, [login, health], Redactor.None); // as an old tool without redaction would have
        return path;
    }

    [Fact]
    public async Task Scan_FindsLeaks_RedactFixesThem_ScanThenPasses()
    {
        var path = Leaky();

        await using (var scan = CliProcess.Start("scan", path))
        {
            Assert.Equal(1, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(scan.Lines, l => l.Contains("a credential header that is not a placeholder", StringComparison.Ordinal));
            Assert.Contains(scan.Lines, l => l.Contains("an AWS access key id", StringComparison.Ordinal));
        }

        await using (var redact = CliProcess.Start("redact", path, "--json-field", "key"))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("live-token-123456", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AKIAABCDEFGHIJKLMNOP", text, StringComparison.Ordinal);
        await using var again = CliProcess.Start("scan", path);
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Scan_TokenInAResponseFieldAndALaterHeader_FindsBoth_RedactFixesTheWholeCassette()
    {
        var path = Path.Combine(_directory, "oauth.json");
        const string token = "opaque7token8value9";
        var grant = new Flow(HttpRequest.Create("POST", "https://auth.example.com/token", "grant_type=client_credentials"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, $"{{\"access_token\":\"{token}\",\"token_type\":\"Bearer\"}}", "application/json"),
        };
        var call = new Flow(HttpRequest.Create("GET", "https://api.example.com/items", null, ("X-Upstream-Token", token))) { Response = HttpResponse.Create(200, "[]") };
        Cassette.Save(path, [grant, call], Redactor.None);
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        var bodyLine = Array.FindIndex(lines, l => l.Contains("\"access_token\"", StringComparison.Ordinal)) + 1;
        var headerLine = Array.FindIndex(lines, l => l.Contains("X-Upstream-Token", StringComparison.Ordinal)) + 1;

        await using (var scan = CliProcess.Start("scan", path))
        {
            Assert.Equal(1, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains(scan.Lines, l => l.Contains($":{bodyLine}: a secret redaction would replace by <ACCESS_TOKEN>", StringComparison.Ordinal));
            Assert.Contains(scan.Lines, l => l.Contains($":{headerLine}: a secret redaction would replace by <ACCESS_TOKEN>", StringComparison.Ordinal));
            Assert.DoesNotContain(scan.Lines, l => l.Contains(token, StringComparison.Ordinal)); // the report names the placeholder, not the secret
        }

        await using (var redact = CliProcess.Start("redact", path))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.DoesNotContain(token, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal("<ACCESS_TOKEN>", Cassette.Load(path).Flows[1].Request.Headers["X-Upstream-Token"]);
        await using var again = CliProcess.Start("scan", path);
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    // A cassette recorded before short secrets were replaced in their own fields holds password=pwq in
    // clear; redact now replaces it, so scan, CI's gate, must report it, and pass once redact has run.
    [Fact]
    public async Task Scan_ShortSecretsInAQueryAFormBodyAndAJsonBody_AreReportedOnTheirLines_RedactClearsThem()
    {
        var path = Path.Combine(_directory, "short.json");
        var search = new Flow(HttpRequest.Create("GET", "https://api.example.com/search?q=abc&token=tkq")) { Response = HttpResponse.Create(200, "abc") };
        var form = new Flow(HttpRequest.Create("POST", "https://api.example.com/form", "user=abc&password=pwq"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        var json = new Flow(HttpRequest.Create("POST", "https://api.example.com/json", "{\"user\":\"abc\",\"password\":\"pwq\"}"u8.ToArray(), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        Cassette.Save(path, [search, form, json], Redactor.None); // as a recording made before the short-secret rule
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        int LineOf(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;
        var queryLine = LineOf("\"/search?q=abc&token=tkq\"");
        var formLine = LineOf("\"user=abc&password=pwq\"");
        var jsonLine = LineOf("\"password\": \"pwq\"");
        Assert.All([queryLine, formLine, jsonLine], line => Assert.True(line > 0));

        await using (var scan = CliProcess.Start("scan", path))
        {
            Assert.Equal(1, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(
                [$"{path}:{queryLine}: a secret redaction would replace by <TOKEN>", $"{path}:{formLine}: a secret redaction would replace by <PASSWORD>", $"{path}:{jsonLine}: a secret redaction would replace by <PASSWORD>"],
                scan.Lines);
            Assert.Contains("3 possible secret(s) found", scan.Stderr, StringComparison.Ordinal);
        }

        await using (var redact = CliProcess.Start("redact", path))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Equal("/search?q=abc&token=<TOKEN>", flows[0].Request.Path);
        Assert.Equal("user=abc&password=<PASSWORD>", flows[1].Request.Text);
        Assert.Equal("{\"user\":\"abc\",\"password\":\"<PASSWORD>\"}", flows[2].Request.Text);
        await using var again = CliProcess.Start("scan", path);
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(again.Lines);
        Assert.Contains("no secrets found", again.Stderr, StringComparison.Ordinal);
    }

    // What record writes is what redact would write: redact changes no byte of it, and scan (which
    // reports what redact would change) finds nothing, short secrets in their fields, a token and a
    // session cookie included, and the same short value left in clear where it is not named as secret.
    [Fact]
    public async Task Record_DefaultRedaction_ScanFindsNothing_AndRedactChangesNoByte()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await TestUpstream.StartAsync();
        var path = Path.Combine(_directory, "recorded.json");
        await using (var record = CliProcess.Start("record", "-o", path, "--listen", "127.0.0.1:0", "--set", $"confdir={_directory}"))
        {
            var proxy = await record.WaitListeningAsync();
            using (var client = new HttpClient(new SocketsHttpHandler { Proxy = new System.Net.WebProxy(proxy), UseProxy = true }))
            {
                client.DefaultRequestHeaders.Authorization = new("Bearer", "live-token-1234567890");
                (await client.GetAsync($"{upstream.HttpUrl}/echo/search?q=abc&token=tkq", ct)).EnsureSuccessStatusCode();
                using var form = new FormUrlEncodedContent([new("user", "abc"), new("password", "pwq")]);
                (await client.PostAsync($"{upstream.HttpUrl}/echo/form", form, ct)).EnsureSuccessStatusCode();
                using var json = new StringContent("{\"user\":\"abc\",\"password\":\"pwq\",\"pin\":1234}", System.Text.Encoding.UTF8, "application/json");
                (await client.PostAsync($"{upstream.HttpUrl}/echo/json", json, ct)).EnsureSuccessStatusCode();
                using var multipart = new MultipartFormDataContent("b0") { { new StringContent("abc"), "user" }, { new StringContent("pwq"), "password" } };
                (await client.PostAsync($"{upstream.HttpUrl}/echo/multipart", multipart, ct)).EnsureSuccessStatusCode();
                (await client.GetAsync($"{upstream.HttpUrl}/setcookie/sid/3f9a8c0e1b2d4f6a8c0e1b2d4f6a8c0e", ct)).EnsureSuccessStatusCode();
                (await client.GetAsync($"{upstream.HttpUrl}/echo/me", ct)).EnsureSuccessStatusCode(); // sends the cookie back
            }

            record.Terminate();
            Assert.Equal(0, await record.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var recorded = await File.ReadAllBytesAsync(path, ct);
        var text = System.Text.Encoding.UTF8.GetString(recorded);
        Assert.Contains("password=<PASSWORD>", text, StringComparison.Ordinal); // redacted in its field
        Assert.Contains("password=pwq", text, StringComparison.Ordinal); // and kept in the echo, where nothing names it
        Assert.Contains("sid=<COOKIE>", text, StringComparison.Ordinal);

        await using (var scan = CliProcess.Start("scan", path))
        {
            Assert.Equal(0, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Empty(scan.Lines);
            Assert.Contains("no secrets found", scan.Stderr, StringComparison.Ordinal);
        }

        await using (var redact = CliProcess.Start("redact", path))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(text, await File.ReadAllTextAsync(path, ct));
    }

    [Fact]
    public async Task Scan_NamedEnvironmentValue_IsReported()
    {
        var path = Path.Combine(_directory, "env.json");
        Cassette.Save(path, [new Flow(HttpRequest.Create("GET", "https://a.test/?k=value-of-my-key")) { Response = HttpResponse.Create(200, "x") }], Redactor.None);
        await using var scan = CliProcess.Start(new Dictionary<string, string> { ["MY_TEST_KEY"] = "value-of-my-key" }, "scan", path, "--env", "MY_TEST_KEY");

        Assert.Equal(1, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("the value of $MY_TEST_KEY", string.Join("\n", scan.Lines), StringComparison.Ordinal);
    }

    // A rewrite in place keeps what each flow was recorded in (replay's near-miss explanations use it).
    [Fact]
    public async Task RedactAndPrune_KeepEachFlowsRecordedMode()
    {
        var path = Path.Combine(_directory, "modes.json");
        var flows = Enumerable.Range(1, 3).Select(i => new Flow(HttpRequest.Create("GET", $"https://api.example.com/{i}")) { Response = HttpResponse.Create(200, "ok") }).ToList();
        Cassette.Save(path, flows, Redactor.None, "reverse:https://api.example.com");

        await using (var redact = CliProcess.Start("redact", path))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.All(Cassette.Load(path).Modes, mode => Assert.Equal("reverse:https://api.example.com", mode));
        await using (var prune = CliProcess.Start("prune", path, "~u /2"))
        {
            Assert.Equal(0, await prune.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var pruned = Cassette.Load(path);
        Assert.Equal(["/1", "/3"], pruned.Flows.Select(f => f.Request.Path));
        Assert.Equal(["reverse:https://api.example.com", "reverse:https://api.example.com"], pruned.Modes);
    }

    [Fact]
    public async Task Prune_DropsMatchingFlows()
    {
        var path = Leaky();

        await using var prune = CliProcess.Start("prune", path, "~u health");

        Assert.Equal(0, await prune.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("/login", Assert.Single(Cassette.Load(path).Flows).Request.Path);
    }

    [Fact]
    public async Task Convert_CassetteToHarAndBack_KeepsTheFlows()
    {
        var sample = Path.Combine(Readme.ReadmeExampleTests.FindRepositoryRoot(), "recordings", "sample.json");
        var har = Path.Combine(_directory, "sample.har");
        var back = Path.Combine(_directory, "back.json");

        await using (var toHar = CliProcess.Start("convert", sample, har))
        {
            Assert.Equal(0, await toHar.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var toCassette = CliProcess.Start("convert", har, back))
        {
            Assert.Equal(0, await toCassette.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Contains("2 flows written to " + back, toCassette.Lines);
        }

        var original = Cassette.Load(sample).Flows;
        var roundTripped = Cassette.Load(back).Flows;
        Assert.Equal(original.Select(f => f.Request.Url), roundTripped.Select(f => f.Request.Url));
        Assert.Equal(original.Select(f => f.Response!.Text), roundTripped.Select(f => f.Response!.Text));
    }

    [Fact]
    public async Task Convert_RedactsByTheRedactOptions_AndNotOnlyByTheDefaults()
    {
        // A cassette recorded with --no-redact-defaults: its cookie is data the user chose to keep.
        var path = Path.Combine(_directory, "cookies.json");
        var flow = new Flow(HttpRequest.Create("GET", "https://api.example.com/prefs", null, ("Cookie", "theme=dark"), ("X-Api-Key", "key-7f3a9c2e")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        Cassette.Save(path, [flow], Redactor.None);
        var kept = Path.Combine(_directory, "kept.har");
        var redacted = Path.Combine(_directory, "redacted.json");

        await using (var convert = CliProcess.Start("convert", path, kept, "--no-redact-defaults"))
        {
            Assert.Equal(0, await convert.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var convert = CliProcess.Start("convert", path, redacted, "--redact-headers", "X-Api-Key"))
        {
            Assert.Equal(0, await convert.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var convert = CliProcess.Start("convert", path, redacted, "--set", "confdir=/tmp"))
        {
            Assert.Equal(2, await convert.WaitForExitAsync(TimeSpan.FromSeconds(30))); // a proxy option means nothing here
            Assert.Contains("confdir applies to", convert.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal("theme=dark", Har.Import(kept)[0].Request.Headers["Cookie"]); // the defaults used to replace it
        var headers = Cassette.Load(redacted).Flows[0].Request.Headers;
        Assert.NotEqual("theme=dark", headers["Cookie"]); // the defaults still apply
        Assert.DoesNotContain("key-7f3a9c2e", headers["X-Api-Key"], StringComparison.Ordinal); // and the option adds to them
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
