using System.Net;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

[Trait("Category", "Slow")] // each test starts the CLI as a process; two move 1 GiB
public sealed class DumpCommandTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>, IDisposable
{
    private readonly string _confdir = Directory.CreateTempSubdirectory("mitmfixture-cli-").FullName;

    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Dump_PrintsOneLinePerFlowAndStopsOnSigterm()
    {
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });

        await client.GetStringAsync($"{Upstream.HttpUrl}/echo/dumped", TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => cli.Lines.Any(l => l.Contains("/echo/dumped", StringComparison.Ordinal)), 10000);
        cli.Terminate();
        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, exit);
        var line = cli.Lines.Single(l => l.Contains("/echo/dumped", StringComparison.Ordinal));
        Assert.Matches(@"^127\.0\.0\.1:\d+ GET http://127\.0\.0\.1:\d+/echo/dumped << 200 OK \d+b (\d+ms|\d+\.\d+s)$", line); // a loaded machine may take a second
        Assert.True(File.Exists(Path.Combine(_confdir, "mitmfixture-ca-cert.pem")));
    }

    // As mitmdump's event log: what does not become a flow line (a malformed request, a client that
    // does not trust the CA) is on stderr by default; what does (the flows, the banner) is not repeated there.
    [Fact]
    public async Task Dump_ShowsMalformedRequestsAndDistrustfulClientsOnStderr_AndNothingElse()
    {
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });
        await client.GetStringAsync($"{Upstream.HttpUrl}/echo/fine", TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => cli.Lines.Any(l => l.Contains("/echo/fine", StringComparison.Ordinal)), 10000);
        Assert.Equal("", cli.Stderr);

        await using (var raw = await RawClient.ConnectAsync(url.Port))
        {
            await raw.SendAsync("GARBAGE\r\n\r\n");
            Assert.StartsWith("HTTP/1.1 400 ", await raw.ReadAsync(), StringComparison.Ordinal);
        }

        var curl = await Curl.RunAsync("-x", url.ToString(), Upstream.HttpsUrl + "/echo/untrusted"); // no --cacert

        Assert.NotEqual(0, curl.ExitCode);
        await Eventually.TrueAsync(() => cli.Stderr.Contains("does not trust", StringComparison.Ordinal), 10000);
        var lines = cli.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Collection(
            lines,
            l => Assert.Matches(@"^info: MitmFixture\.Proxy\[12\] Client 127\.0\.0\.1:\d+ sent a malformed request: malformed request line", l),
            l => Assert.Matches(@"^warn: MitmFixture\.Proxy\[20\] Client 127\.0\.0\.1:\d+ TLS handshake for localhost failed: the client does not trust the proxy's certificate \(", l));
    }

    // "@FILE" is the CLI's own syntax: System.CommandLine's response files used to replace the token by
    // the file's line, so the htpasswd hash itself became the password.
    [Fact]
    public async Task Dump_ProxyauthFlagWithAnHtpasswdFile_ChecksThePasswordNotTheHash()
    {
        var htpasswd = Path.Combine(_confdir, "htpasswd");
        await File.WriteAllTextAsync(htpasswd, "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", TestContext.Current.CancellationToken); // password "password"
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--proxyauth", "@" + htpasswd);
        var url = await cli.WaitListeningAsync();

        var right = await Curl.RunAsync("-s", "-o", "/dev/null", "-w", "%{http_code}", "-x", url.ToString(), "-U", "alice:password", $"{Upstream.HttpUrl}/echo/in");
        var hash = await Curl.RunAsync("-s", "-o", "/dev/null", "-w", "%{http_code}", "-x", url.ToString(), "-U", "alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", $"{Upstream.HttpUrl}/echo/in");

        Assert.Equal("200", right.Stdout);
        Assert.Equal("407", hash.Stdout);
    }

    // Each used to end in an unhandled exception and its stack trace.
    [Theory]
    [InlineData("--listen-host", "not_a_host", "listen_host 'not_a_host' does not resolve: ")]
    [InlineData("--listen", "999.1.1.1:0", "listen_host '999.1.1.1' does not resolve: ")]
    [InlineData("--set", "confdir={file}", "cannot be created: ")]
    public async Task Dump_ProxyThatCannotStart_SaysWhyInOneLine(string option, string value, string message)
    {
        var file = Path.Combine(_confdir, "a-file");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        string[] arguments = option == "--set" ? ["dump", "--listen", "127.0.0.1:0", "--set", value.Replace("{file}", file, StringComparison.Ordinal)] : ["dump", "--set", $"confdir={_confdir}", option, value];
        await using var cli = CliProcess.Start(arguments);

        Assert.Equal(1, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(message, cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", cli.Stderr, StringComparison.Ordinal);
    }

    // client-replay's option means nothing to a command that replays no client: refused as its flag is.
    [Theory]
    [InlineData("dump")]
    [InlineData("record")]
    public async Task Command_ClientReplayOptionBySet_IsRefusedNamingItsCommand(string command)
    {
        string[] arguments = command == "record" ? ["record", "-o", Path.Combine(_confdir, "out.json")] : ["dump"];
        await using var cli = CliProcess.Start([.. arguments, "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--set", "client_replay_stop_on_error=true"]);

        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => cli.Stderr.Length > 0, 10000);
        Assert.Contains("error: --set client_replay_stop_on_error=true: client_replay_stop_on_error applies to client-replay only", cli.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_confdir, "out.json")));
    }

    // config.yaml is read by every command; mitmproxy's --set NAME alone takes a list it set back for one
    // run. It was refused ("modify_headers '': expected /filter/..."), so the only way out was another confdir.
    [Fact]
    public async Task Dump_SetNameAlone_TakesBackAListConfigYamlSet()
    {
        File.WriteAllText(Path.Combine(_confdir, "config.yaml"), "modify_headers:\n  - /~q/X-From-Config/1\nanticomp: true\n");
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--set", "modify_headers", "-H", "/~q/X-From-Flag/1");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });

        var echo = await client.GetStringAsync($"{Upstream.HttpUrl}/echo/cleared", TestContext.Current.CancellationToken);

        Assert.DoesNotContain("X-From-Config", echo, StringComparison.Ordinal);
        Assert.Contains("X-From-Flag: 1", echo, StringComparison.Ordinal);
        Assert.Contains("Accept-Encoding: identity", echo, StringComparison.Ordinal); // the rest of config.yaml still applies
    }

    [Fact]
    public async Task Dump_BadOptions_ListsEveryErrorAndExits2()
    {
        await using var cli = CliProcess.Start("dump", "--listen", "nowhere", "--set", "stream_large_bodies=lots", "--set", "nonsense=1");

        var exit = await cli.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exit);
        await Eventually.TrueAsync(() => cli.Stderr.Length > 0, 10000);
        Assert.Contains("--listen 'nowhere': expected HOST:PORT", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("--set stream_large_bodies=lots: expected a size", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("--set nonsense: unknown option", cli.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_OneGibibyteStreamedBody_PeakMemoryStaysUnder200MB()
    {
        const long size = 1024L * 1024 * 1024;
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--set", "stream_large_bodies=1m");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true }) { Timeout = TimeSpan.FromMinutes(3) };

        using var response = await client.GetAsync($"{Upstream.HttpUrl}/bytes/{size}", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
        var buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            total += n;
        }

        var peak = cli.PeakResidentBytes();
        Assert.Equal(size, total);
        Assert.True(peak < 200L * 1024 * 1024, $"peak resident memory {peak / (1024 * 1024)} MB");
        await Eventually.TrueAsync(() => cli.Lines.Any(l => l.Contains("streamed", StringComparison.Ordinal)), 10000);
    }

    [Fact]
    public async Task Dump_OneGibibyteStreamedUpload_PeakMemoryStaysUnder200MB()
    {
        const long size = 1024L * 1024 * 1024;
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--set", "stream_large_bodies=1m");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true }) { Timeout = TimeSpan.FromMinutes(3) };
        using var content = new StreamContent(new PatternStream(size), 256 * 1024); // no length: sent chunked

        using var response = await client.PostAsync($"{Upstream.HttpUrl}/count", content, TestContext.Current.CancellationToken);

        var peak = cli.PeakResidentBytes();
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(peak < 200L * 1024 * 1024, $"peak resident memory {peak / (1024 * 1024)} MB");
    }

    [Fact]
    public async Task Dump_ReadsACassetteWithAFilterAndWritesTheMatches()
    {
        var sample = Path.Combine(Readme.ReadmeExampleTests.FindRepositoryRoot(), "recordings", "sample.json");
        var output = Path.Combine(_confdir, "health.json");
        await using var cli = CliProcess.Start("dump", "-r", sample, "-w", output, "~u health & ~c 200", "--flow-detail", "2");

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(cli.Lines, l => l.StartsWith("- GET http://api.example.com/health << 200 OK", StringComparison.Ordinal));
        Assert.Contains("    << Content-Type: text/plain; charset=utf-8", cli.Lines);
        Assert.DoesNotContain(cli.Lines, l => l.Contains("/users/1", StringComparison.Ordinal));
        Assert.Equal("/health", Assert.Single(MitmFixture.Cassettes.Cassette.Load(output).Flows).Request.Path);
    }

    [Fact]
    public async Task Dump_ReadsACassetteWithinTheConfiguredDecodeLimit()
    {
        // Stored decoded with "encoding": "gzip"; 4,000 bytes expanded are past a 1k decode_limit.
        var response = MitmFixture.Http.HttpResponse.Create(200, null, ("Content-Type", "text/plain"), ("Content-Encoding", "gzip"));
        response.SetDecodedBody(System.Text.Encoding.ASCII.GetBytes(new string('a', 4000)));
        var cassette = Path.Combine(_confdir, "gzip.json");
        MitmFixture.Cassettes.Cassette.Save(cassette, [new MitmFixture.Flows.Flow(MitmFixture.Http.HttpRequest.Create("GET", "http://api.test/big")) { Response = response }]);

        await using var cli = CliProcess.Start("dump", "-r", cassette, "--flow-detail", "3", "--set", "decode_limit=1k");

        Assert.Equal(0, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(cli.Lines, l => l.Contains("[gzip past the decoding limit, shown encoded]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OptionsFile_ConfiguresFeaturesAndReportsUnknownKeys()
    {
        var good = Path.Combine(_confdir, "options.json");
        await File.WriteAllTextAsync(good, "{ \"listen\": \"127.0.0.1:0\", \"modify_headers\": [\"/~q/X-From-File/yes\"], \"confdir\": \"" + _confdir + "\" }", TestContext.Current.CancellationToken);
        await using (var cli = CliProcess.Start("dump", "--options", good))
        {
            var url = await cli.WaitListeningAsync();
            using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });
            var text = await client.GetStringAsync($"{Upstream.HttpUrl}/echo/options", TestContext.Current.CancellationToken);
            Assert.Contains("X-From-File: yes", text, StringComparison.Ordinal);
        }

        var bad = Path.Combine(_confdir, "bad.json");
        await File.WriteAllTextAsync(bad, "{ \"anticache\": \"yes\", \"colour\": 1 }", TestContext.Current.CancellationToken);
        await using var refused = CliProcess.Start("dump", "--options", bad, "--set", $"confdir={_confdir}");
        Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => refused.Stderr.Contains("colour", StringComparison.Ordinal), 10000);
        Assert.Contains("\"anticache\": expected true or false", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"colour\": unknown option", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dump_FlowDetail4_ServerEscapeSequencesNeverReachTheTerminal()
    {
        // A hostile server: clear screen, set the window title, ring the bell, CSI, backspace and CR
        // in the body. The parser refuses C0 controls in the head (RFC 9110 §5.5), but C1 controls
        // arrive as obs-text bytes (0x9B CSI, 0x9D OSC, 0x9C ST) in the reason phrase and a header.
        const string head = "x\u009b2J\u009d0;owned\u009cy";
        const string evil = "x\u001b[2J\u001b]0;owned\u0007\u009b31m\by";
        var body = "hello " + evil + "\r" + evil + " and ordinary text after it\n";
        await using var server = new RawServer(
            $"HTTP/1.1 200 Fine{head}\r\nContent-Type: text/plain; charset=iso-8859-1\r\nX-Evil: {head}\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        await using var cli = CliProcess.Start("dump", "--listen", "127.0.0.1:0", "--set", $"confdir={_confdir}", "--flow-detail", "4");
        var url = await cli.WaitListeningAsync();
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(url), UseProxy = true });

        using var response = await client.GetAsync($"{server.Url}/evil", TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => cli.Lines.Any(l => l.Contains("hello x", StringComparison.Ordinal)), 10000);
        cli.Terminate();
        await cli.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = string.Join("\n", cli.Lines);
        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\u009b', output);
        Assert.DoesNotContain('\u009d', output);
        Assert.DoesNotContain('\u0007', output);
        Assert.DoesNotContain('\b', output);
        Assert.DoesNotContain('\r', output);
        Assert.Contains(cli.Lines, l => l.Contains("/evil << 200 Finex" + EscapedHead, StringComparison.Ordinal));
        Assert.Contains("    << X-Evil: x" + EscapedHead, cli.Lines);
        Assert.Contains(cli.Lines, l => l.StartsWith("    Client connection: Address 127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(cli.Lines, l => l.StartsWith("    Server connection: Address " + new Uri(server.Url).Authority + "; Resolved address ", StringComparison.Ordinal));
        Assert.Contains("    hello x" + Escaped + "\\x0dx" + Escaped + " and ordinary text after it", cli.Lines);
    }

    private const string EscapedHead = "\\x9b2J\\x9d0;owned\\x9cy";

    private const string Escaped = "\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\x08y";

    [Fact]
    public async Task Dump_BadFilter_PointsAtTheColumnAndExits2()
    {
        await using var cli = CliProcess.Start("dump", "-r", "x.json", "~q & (");

        Assert.Equal(2, await cli.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => cli.Stderr.Length > 0, 10000);
        Assert.Contains("expected an expression at column 6", cli.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_confdir, recursive: true);
}
