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

    // MinimumSecretLength was a fixture property with no option, so redact and scan could not apply a
    // project's choice and the CI gate disagreed with the recording; it is redact_min_secret_length now.
    [Fact]
    public async Task Redact_MinSecretLength_SearchesOnlyLongerSecretsElsewhere()
    {
        const string token = "tok12"; // five characters: searched by default (4), not with 8
        Flow[] Flows() =>
        [
            new Flow(HttpRequest.Create("POST", "https://auth.example.com/token", "grant_type=client_credentials"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
            {
                Response = HttpResponse.Create(200, $"{{\"access_token\":\"{token}\"}}", "application/json"),
            },
            new Flow(HttpRequest.Create("GET", "https://api.example.com/items", null, ("X-Note", token))) { Response = HttpResponse.Create(200, "[]") },
        ];
        var byDefault = Path.Combine(_directory, "default.json");
        var longer = Path.Combine(_directory, "longer.json");
        Cassette.Save(byDefault, Flows(), Redactor.None);
        Cassette.Save(longer, Flows(), Redactor.None);

        await using (var redact = CliProcess.Start("redact", byDefault))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var redact = CliProcess.Start("redact", longer, "--redact-min-secret-length", "8"))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal("<ACCESS_TOKEN>", Cassette.Load(byDefault).Flows[1].Request.Headers["X-Note"]);
        var kept = Cassette.Load(longer).Flows;
        Assert.Equal(token, kept[1].Request.Headers["X-Note"]);
        Assert.DoesNotContain(token, kept[0].Response!.Text, StringComparison.Ordinal); // still replaced in the field that names it
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

    /// <summary>A cassette recorded before anyone named <c>pin</c> a secret: it holds one in a JSON body and a form, and the line of each.</summary>
    private (string Path, int JsonLine, int FormLine) WithAPin()
    {
        var path = Path.Combine(_directory, "pin.json");
        var json = new Flow(HttpRequest.Create("POST", "https://bank.example.com/unlock", "{\"user\":\"ada\",\"pin\":\"482915\"}"u8.ToArray(), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        var form = new Flow(HttpRequest.Create("POST", "https://bank.example.com/confirm", "user=ada&pin=482915"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        Cassette.Save(path, [json, form], Redactor.None);
        var lines = File.ReadAllLines(path);
        return (path, Array.FindIndex(lines, l => l.Contains("\"pin\": \"482915\"", StringComparison.Ordinal)) + 1, Array.FindIndex(lines, l => l.Contains("\"user=ada&pin=482915\"", StringComparison.Ordinal)) + 1);
    }

    private static async Task<CliProcess> RunAsync(int expectedExitCode, params string[] arguments)
    {
        var process = CliProcess.Start(arguments);
        Assert.Equal(expectedExitCode, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return process;
    }

    // scan, the CI gate, takes the options redact takes, so it can be told the rules redact applies.
    [Fact]
    public async Task Scan_CustomSecretField_TheSharedOptionReportsItsLines_RedactWithTheSameOptionClearsThem()
    {
        var (path, jsonLine, formLine) = WithAPin();
        Assert.True(jsonLine > 0 && formLine > 0);

        await using (var unaware = await RunAsync(0, "scan", path))
        {
            Assert.Empty(unaware.Lines); // nothing says a pin is a secret
        }

        await using (var scan = await RunAsync(1, "scan", path, "--redact-secret-fields", "pin"))
        {
            Assert.Equal([$"{path}:{jsonLine}: a secret redaction would replace by <PIN>", $"{path}:{formLine}: a secret redaction would replace by <PIN>"], scan.Lines);
            Assert.DoesNotContain("482915", string.Join("\n", scan.Lines) + scan.Stderr, StringComparison.Ordinal);
        }

        await using (await RunAsync(0, "redact", path, "--redact-secret-fields", "pin"))
        {
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Equal("{\"user\":\"ada\",\"pin\":\"<PIN>\"}", flows[0].Request.Text);
        Assert.Equal("user=ada&pin=<PIN>", flows[1].Request.Text);
        await using var again = await RunAsync(0, "scan", path, "--set", "redact_secret_fields=pin");
        Assert.Contains("no secrets found", again.Stderr, StringComparison.Ordinal);
    }

    // The options file a project records with: redact and scan read it as record and convert do.
    [Fact]
    public async Task RedactAndScan_OptionsFile_ApplyTheRedactionOptionsInIt()
    {
        var (path, jsonLine, _) = WithAPin();
        var options = Path.Combine(_directory, "redaction.yaml");
        await File.WriteAllTextAsync(options, "redact_secret_fields: [pin]\nredact_headers: [X-Api-Key]\n", TestContext.Current.CancellationToken);

        await using (var scan = await RunAsync(1, "scan", path, "--options", options))
        {
            Assert.Contains($"{path}:{jsonLine}: a secret redaction would replace by <PIN>", scan.Lines);
        }

        await using (await RunAsync(0, "redact", path, "--options", options))
        {
        }

        Assert.Equal("user=ada&pin=<PIN>", Cassette.Load(path).Flows[1].Request.Text);
        await using (await RunAsync(0, "scan", path, "--options", options))
        {
        }
    }

    // The flags redact had before it shared convert's options are more spellings of those options
    // (committed CI scripts use them), and scan takes them too, so the gate can mirror the fix.
    [Fact]
    public async Task RedactAndScan_OlderSpellings_SetTheSharedOptions()
    {
        var (path, _, formLine) = WithAPin();

        await using (var scan = await RunAsync(1, "scan", path, "--field", "pin"))
        {
            Assert.Contains($"{path}:{formLine}: a secret redaction would replace by <PIN>", scan.Lines);
        }

        await using (await RunAsync(0, "redact", path, "--field", "pin", "--header", "X-Api-Key", "--query", "q", "--form", "user", "--json-field", "user", "--env", "NO_SUCH_VARIABLE"))
        {
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Equal("{\"user\":\"<USER>\",\"pin\":\"<PIN>\"}", flows[0].Request.Text); // --json-field user, --field pin
        Assert.Equal("user=<USER>&pin=<PIN>", flows[1].Request.Text); // --form user
        await using (await RunAsync(0, "scan", path, "--field", "pin"))
        {
        }
    }

    // A configured query parameter or form field is named as a secret field is, in any case: the API that
    // sends Voucher=... is not spared because the option says voucher (a leak), as secret field names never were.
    [Fact]
    public async Task Redact_ConfiguredQueryAndFormNames_MatchInAnyCase()
    {
        var path = Path.Combine(_directory, "cased.json");
        var search = new Flow(HttpRequest.Create("GET", "https://api.example.com/items?Voucher=k-secret-123")) { Response = HttpResponse.Create(200, "ok") };
        var form = new Flow(HttpRequest.Create("POST", "https://api.example.com/form", "user=abc&Pin=4711"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        Cassette.Save(path, [search, form], Redactor.None);

        await using (await RunAsync(1, "scan", path, "--query", "voucher", "--form", "PIN"))
        {
        }

        await using (await RunAsync(0, "redact", path, "--query", "voucher", "--form", "PIN"))
        {
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Equal("/items?Voucher=<VOUCHER>", flows[0].Request.Path);
        Assert.Equal("user=abc&Pin=<PIN>", flows[1].Request.Text);
    }

    // As convert refuses it: the command would take the option and do nothing with it. The cassette is left as it was.
    [Theory]
    [InlineData("redact")]
    [InlineData("scan")]
    public async Task RedactAndScan_SetOfAnOptionTheyDoNotUse_IsRefusedBeforeAnyWork(string command)
    {
        var (path, _, _) = WithAPin();
        var before = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);

        await using var refused = await RunAsync(2, command, path, "--set", "anticache=true", "--redact-headers", "bad name");

        Assert.Contains("error: --set anticache=true: anticache applies to the commands that run the proxy only", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("error: --redact-headers 'bad name': ", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(refused.Lines);
        Assert.Equal(before, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
    }

    // A cassette recorded with --no-redact-defaults keeps its cookie on purpose: scan with the same
    // option agrees with redact, which leaves it, instead of failing the gate on it for ever.
    [Fact]
    public async Task Scan_NoRedactDefaults_PassesTheCookieRedactKeeps()
    {
        var path = Path.Combine(_directory, "cookie.json");
        Cassette.Save(path, [new Flow(HttpRequest.Create("GET", "https://a.test/prefs", null, ("Cookie", "theme=dark-mode"))) { Response = HttpResponse.Create(200, "ok") }], Redactor.None);

        await using (var scan = await RunAsync(1, "scan", path))
        {
            Assert.Contains(scan.Lines, l => l.Contains("a credential header that is not a placeholder", StringComparison.Ordinal));
        }

        await using (await RunAsync(0, "redact", path, "--no-redact-defaults"))
        {
        }

        Assert.Equal("theme=dark-mode", Cassette.Load(path).Flows[0].Request.Headers["Cookie"]);
        await using (await RunAsync(0, "scan", path, "--no-redact-defaults"))
        {
        }
    }

    // --env on scan and on redact is redact_env: the value is a secret wherever it stands, in any form
    // redaction knows; scan used to search for it as is only, so an escaped copy passed the gate.
    [Fact]
    public async Task Scan_Env_IsRedactEnv_FindsTheValueEscaped_OnceALine_RedactClearsIt()
    {
        var path = Path.Combine(_directory, "escaped.json");
        var flow = new Flow(HttpRequest.Create("GET", "https://a.test/?k=value%20of%2Fmy%20key")) { Response = HttpResponse.Create(200, "value of/my key") };
        Cassette.Save(path, [flow], Redactor.None);
        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        var pathLine = Array.FindIndex(lines, l => l.Contains("value%20of", StringComparison.Ordinal)) + 1;
        var bodyLine = Array.FindIndex(lines, l => l.Contains("\"value of/my key\"", StringComparison.Ordinal)) + 1;
        var environment = new Dictionary<string, string> { ["MY_TEST_KEY"] = "value of/my key" };

        foreach (var flag in (string[])["--env", "--redact-env"])
        {
            await using var scan = CliProcess.Start(environment, "scan", path, flag, "MY_TEST_KEY");
            Assert.Equal(1, await scan.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal([$"{path}:{pathLine}: the value of $MY_TEST_KEY", $"{path}:{bodyLine}: the value of $MY_TEST_KEY"], scan.Lines);
        }

        await using (var redact = CliProcess.Start(environment, "redact", path, "--env", "MY_TEST_KEY"))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        var redacted = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("value%20of", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("value of/my key", redacted, StringComparison.Ordinal);
        await using var again = CliProcess.Start(environment, "scan", path, "--redact-env", "MY_TEST_KEY");
        Assert.Equal(0, await again.WaitForExitAsync(TimeSpan.FromSeconds(30)));
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

    // A cassette kept once and linked from several test projects: a rewrite in place goes to the
    // file the link names, and the link stays a link (a rename over it used to replace it with a copy).
    [Fact]
    public async Task RedactAndPrune_SymlinkedCassette_RewriteTheTargetAndKeepTheLink()
    {
        var target = Leaky();
        var linked = Directory.CreateDirectory(Path.Combine(_directory, "project")).FullName;
        var link = Path.Combine(linked, "leaky.json");
        File.CreateSymbolicLink(link, Path.Combine("..", "leaky.json")); // relative, as git checks a link out

        await using (var redact = CliProcess.Start("redact", link))
        {
            Assert.Equal(0, await redact.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(Path.Combine("..", "leaky.json"), new FileInfo(link).LinkTarget);
        Assert.DoesNotContain("live-token-123456", await File.ReadAllTextAsync(target, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        await using (var prune = CliProcess.Start("prune", link, "~u health"))
        {
            Assert.Equal(0, await prune.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(Path.Combine("..", "leaky.json"), new FileInfo(link).LinkTarget);
        Assert.Equal("/login", Assert.Single(Cassette.Load(target).Flows).Request.Path);
        Assert.Equal(["leaky.json"], Directory.GetFileSystemEntries(linked).Select(Path.GetFileName)); // no temporary left beside the link
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
