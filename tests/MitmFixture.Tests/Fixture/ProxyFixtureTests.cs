using System.Diagnostics;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>The fixture used as a test would, against real local servers; each test has its own recordings folder.</summary>
public sealed class ProxyFixtureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-fixture-").FullName;

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

    [Fact]
    public async Task Record_ThenReplayWithServerStopped_SameAnswers()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"{upstream.HttpUrl}/echo/weather?city=Paris";
        string recorded;
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await fixture.UseCassetteAsync("weather");
            recorded = await fixture.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken);
            Assert.Equal(RecordMode.Record, cassette.Mode);
        }

        await upstream.DisposeAsync();
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay)))
        {
            await using var cassette = await fixture.UseCassetteAsync("weather");
            Assert.Equal(recorded, await fixture.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken));
            Assert.Single(cassette.Flows);
        }
    }

    [Fact]
    public async Task Record_StreamedResponse_IsInTheScopesFlowsAndCassetteOnceTheClientHasIt()
    {
        // A streamed response's hook runs before its end goes to the client (mitmproxy's order), so a
        // slow hook delays the client's last bytes instead of leaving the flow unfinished behind it.
        await using var upstream = await TestUpstream.StartAsync();
        var hooks = new FlowHooks { OnResponse = flow => Thread.Sleep(flow.Response!.Stream ? 300 : 0) };
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record) with { Addons = [hooks], Proxy = new MitmFixture.Proxy.ProxyOptions { StreamLargeBodies = 1024 } });
        string path;
        await using (var cassette = await fixture.UseCassetteAsync("streamed"))
        {
            path = cassette.Path;
            var body = await fixture.CreateClient().GetByteArrayAsync($"{upstream.HttpUrl}/bytes/100000", TestContext.Current.CancellationToken);
            Assert.Equal(100_000, body.Length);
            var flow = Assert.Single(cassette.Flows);
            Assert.True(flow.Response!.Stream);
        }

        var recorded = Assert.Single(MitmFixture.Cassettes.Cassette.Load(path).Flows);
        Assert.Equal("/bytes/100000", recorded.Request.Path);
        Assert.True(recorded.Response!.Stream);
    }

    [Fact]
    public async Task Record_FlowStillUnfinishedAfterTheGrace_IsLeftOutAndTheTestIsWarned()
    {
        // A request the test did not wait for, held in its response hook past the end of the test.
        await using var upstream = await TestUpstream.StartAsync();
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var hooks = new FlowHooks
        {
            OnResponse = _ =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            },
        };
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record) with { Addons = [hooks] });
        string path;
        Task<byte[]> abandoned;
        await using (var cassette = await fixture.UseCassetteAsync("unfinished"))
        {
            path = cassette.Path;
            abandoned = fixture.CreateClient().GetByteArrayAsync($"{upstream.HttpUrl}/bytes/100000", TestContext.Current.CancellationToken);
            Assert.True(entered.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "the request never reached its response hook");
        }

        release.Set();
        await abandoned;
        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("/bytes/100000 had not finished 2 s after the test ended", StringComparison.Ordinal));
        Assert.Empty(MitmFixture.Cassettes.Cassette.Load(path).Flows);
    }

    // A test sending through the fixture with no scope of its own is refused: its flows would go into
    // another test's cassette (a scope open alone owns the shared port) or to the network unrecorded,
    // even in Replay mode.
    [Theory]
    [InlineData(RecordMode.Replay)]
    [InlineData(RecordMode.Record)]
    [InlineData(RecordMode.Auto)]
    public async Task FixtureClient_InATestWithNoScope_IsRefusedAndReachesNoServer(RecordMode mode)
    {
        await using var upstream = await TestUpstream.StartAsync();
        var fixture = await TestFixtureOptions.StartAsync(Options(mode));

        var refused = await Assert.ThrowsAsync<UnattributedRequestException>(() => fixture.CreateClient().GetAsync($"{upstream.HttpUrl}/echo/unscoped", TestContext.Current.CancellationToken));

        Assert.Contains("/echo/unscoped through the fixture with no cassette scope open", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, upstream.Requests);
        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("/echo/unscoped", StringComparison.Ordinal));

        // An app under test may have caught it: with no scope ending after it, the fixture's end fails for it.
        var reported = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await fixture.DisposeAsync());
        Assert.Contains("/echo/unscoped through the fixture with no cassette scope open", reported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FixtureClient_InATestWithNoScope_PassesThroughInPassthroughMode()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));

        using var response = await fixture.CreateClient().GetAsync($"{upstream.HttpUrl}/echo/live", TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Auto_RecordsWhenMissingAndReplaysWhenPresent()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Auto));

        await using (var first = await fixture.UseCassetteAsync("auto"))
        {
            Assert.Equal(RecordMode.Record, first.Mode);
            Assert.Equal("answer 1", await fixture.CreateClient().GetStringAsync(server.Url + "/x", TestContext.Current.CancellationToken));
        }

        await using (var second = await fixture.UseCassetteAsync("auto"))
        {
            Assert.Equal(RecordMode.Replay, second.Mode);
            Assert.Equal("answer 1", await fixture.CreateClient().GetStringAsync(server.Url + "/x", TestContext.Current.CancellationToken));
        }

        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Replay_UnmatchedRequest_FailsTheTestWithTheNearestMatch()
    {
        await using var server = new CountingServer();
        await using (var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await recorder.UseCassetteAsync("unmatched");
            await recorder.CreateClient().GetStringAsync(server.Url + "/items/1", TestContext.Current.CancellationToken);
        }

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));
        var scope = await fixture.UseCassetteAsync("unmatched");
        using var response = await fixture.CreateClient().GetAsync(server.Url + "/items/2", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains("path (/items/2 vs recorded /items/1)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
        var output = TestContext.Current.TestOutputHelper!.Output; // what xunit shows for the failing test
        Assert.Contains("[proxy replay] no answer in unmatched.json: ", output, StringComparison.Ordinal);
        Assert.Contains("path (/items/2 vs recorded /items/1)", output, StringComparison.Ordinal);
    }

    // A request that got no answer while recording (a refused connection) is kept with its error and
    // said so; replaying it names that failure instead of "no flows with responses".
    [Fact]
    public async Task Record_RequestThatGotNoAnswer_IsWarnedAndReplayNamesTheRecordedFailure()
    {
        using var closed = new ClosedPort();
        await using (var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await recorder.UseCassetteAsync("refused");
            using var refused = await recorder.CreateClient().GetAsync(closed.HttpUrl + "/nothing", TestContext.Current.CancellationToken);
            Assert.Equal(502, (int)refused.StatusCode);
        }

        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.StartsWith($"GET {closed.HttpUrl}/nothing got no answer while recording (", StringComparison.Ordinal));
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));
        var scope = await fixture.UseCassetteAsync("refused");
        using var response = await fixture.CreateClient().GetAsync(closed.HttpUrl + "/nothing", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains($"no recorded response for GET {closed.HttpUrl}/nothing: it was recorded without one, because it failed then (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_MissingCassette_SaysHowToRecordIt()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));

        var error = await Assert.ThrowsAsync<MissingCassetteException>(() => fixture.UseCassetteAsync("never-recorded"));

        Assert.Contains("never-recorded.json does not exist (mode Replay)", error.Message, StringComparison.Ordinal);
        Assert.Contains("MITMFIXTURE_MODE=Record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoOnCi_MissingCassette_IsAFailureNotARecording()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Auto) with { ContinuousIntegration = true });

        var error = await Assert.ThrowsAsync<MissingCassetteException>(() => fixture.UseCassetteAsync("ci"));

        Assert.Contains("CI=true, so it is not recorded here", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "ci.json")));
    }

    [Fact]
    public async Task DefaultCassetteName_ComesFromTheRunningTest()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));

        await using var cassette = await fixture.UseCassetteAsync();

        Assert.Equal(Path.Combine(_folder, CassetteNaming.FileNameFor(TestContext.Current.Test!.TestDisplayName)), cassette.Path);
        Assert.Contains("DefaultCassetteName_ComesFromTheRunningTest", cassette.Path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/tmp/elsewhere")]
    public void CassetteNames_CannotEscapeTheFolder(string name) =>
        Assert.Throws<ArgumentException>(() => CassetteNaming.PathFor(_folder, name));

    [Theory]
    [InlineData("Ns.Class.Method(a: \"../x\")", "Ns.Class.Method_a_-_._x.json")]
    [InlineData("Ns.Class.Method", "Ns.Class.Method.json")]
    [InlineData("..", "cassette.json")]
    public void FileNames_FromTestNamesAreSafe(string testName, string expected) =>
        Assert.Equal(expected, CassetteNaming.FileNameFor(testName));

    [Fact]
    public async Task ParallelFixtures_EachSeeOnlyTheirOwnFlows()
    {
        await using var server = new CountingServer();
        var runs = Enumerable.Range(0, 4).Select(async i =>
        {
            await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
            await using var cassette = await fixture.UseCassetteAsync($"parallel-{i}");
            for (var j = 0; j <= i; j++)
            {
                await fixture.CreateClient().GetStringAsync($"{server.Url}/p{i}", TestContext.Current.CancellationToken);
            }

            return cassette.Flows.Select(f => f.Request.Path).ToList();
        });

        var results = await Task.WhenAll(runs);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Enumerable.Repeat($"/p{i}", i + 1), results[i]);
        }
    }

    [Fact]
    public async Task SharedProxy_ConcurrentScopes_EachCassetteHoldsOnlyItsOwnFlowsAndChildProcess()
    {
        var upstream = await TestUpstream.StartAsync();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record) with { Proxy = new MitmFixture.Proxy.ProxyOptions { SslInsecure = true } });
        var scopes = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => fixture.UseCassetteAsync($"concurrent-{i}")));
        var runs = scopes.Select(async (scope, i) =>
        {
            using var client = scope.CreateClient();
            await Task.WhenAll(Enumerable.Range(0, 10).Select(j => client.GetStringAsync($"{upstream.HttpsUrl}/echo/c{i}/{j}", TestContext.Current.CancellationToken)));
            var curl = await Curl.RunWithEnvironmentAsync(scope.EnvironmentVariables, $"{upstream.HttpsUrl}/echo/c{i}/curl");
            Assert.True(curl.ExitCode == 0, curl.Stderr);
        });
        await Task.WhenAll(runs);
        foreach (var scope in scopes)
        {
            await scope.DisposeAsync();
        }

        await upstream.DisposeAsync();
        for (var i = 0; i < 3; i++)
        {
            var paths = MitmFixture.Cassettes.Cassette.Load(Path.Combine(_folder, $"concurrent-{i}.json")).Flows.Select(f => f.Request.Path).Order(StringComparer.Ordinal);
            Assert.Equal(Enumerable.Range(0, 10).Select(j => $"/echo/c{i}/{j}").Append($"/echo/c{i}/curl").Order(StringComparer.Ordinal), paths);
        }
    }

    /// <summary>Start-up and offline replay as a test pays them (numbers in the output; the bound only catches a gross regression).</summary>
    [Fact]
    public async Task StartAndOfflineReplay_TakeMillisecondsNotSeconds()
    {
        string url;
        await using (var server = new CountingServer())
        await using (var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        await using (var cassette = await recorder.UseCassetteAsync("timed"))
        {
            url = server.Url + "/timed";
            await recorder.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken);
        }

        var starts = new List<double>();
        var replays = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            var clock = Stopwatch.StartNew();
            await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));
            starts.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            await using (var cassette = await fixture.UseCassetteAsync("timed"))
            {
                Assert.Equal("answer 1", await fixture.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken)); // the server is gone: offline
            }

            replays.Add(clock.Elapsed.TotalMilliseconds);
        }

        TestContext.Current.TestOutputHelper!.WriteLine($"fixture start: {string.Join(", ", starts.Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms; scope + one replayed request + dispose: {string.Join(", ", replays.Select(t => t.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        Assert.True(starts.Skip(1).Order().ElementAt(3) < 100 && replays.Skip(1).Order().ElementAt(3) < 100, "median start or replay over 100 ms");
    }

    [Fact]
    public async Task SharedPort_WhileTwoScopesAreOpen_FailsTheRequestAndBothScopesSayingWhy()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        var first = await fixture.UseCassetteAsync("first");
        var second = await fixture.UseCassetteAsync("second");
        using var shared = new HttpClient(new HttpClientHandler { Proxy = new System.Net.WebProxy(fixture.Proxy.Url), UseProxy = true });

        using var response = await shared.GetAsync(server.Url + "/whose", TestContext.Current.CancellationToken);

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains("cannot tell which test sent GET", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        foreach (var scope in new[] { first, second })
        {
            var error = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await scope.DisposeAsync());
            Assert.Contains($"GET {server.Url}/whose: it came to the proxy's shared port while 2 cassettes were open (first, second)", error.Message, StringComparison.Ordinal);
            Assert.Empty(scope.Flows);
        }

        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task SharedPort_WithOneScopeOpen_BelongsToIt()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var only = await fixture.UseCassetteAsync("only");
        using var shared = new HttpClient(new HttpClientHandler { Proxy = new System.Net.WebProxy(fixture.Proxy.Url), UseProxy = true });

        await shared.GetStringAsync(server.Url + "/mine", TestContext.Current.CancellationToken);

        Assert.Equal("/mine", Assert.Single(only.Flows).Request.Path);
    }

    [Fact]
    public async Task ScopePort_AfterTheScopeEnded_IsClosed()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        var scope = await fixture.UseCassetteAsync("ended");
        var url = scope.ProxyUrl;
        Assert.NotEqual(fixture.Proxy.Url, url);
        await scope.DisposeAsync();

        using var late = new HttpClient(new HttpClientHandler { Proxy = new System.Net.WebProxy(url), UseProxy = true });
        await Assert.ThrowsAsync<HttpRequestException>(() => late.GetStringAsync(server.Url + "/late", TestContext.Current.CancellationToken));
        Assert.Equal(0, server.Requests);
    }

    [Fact]
    public async Task Snapshot_MismatchFailsWithAUnifiedDiffAndKeepsReceived()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("snap");
        await fixture.CreateClient().GetStringAsync(server.Url + "/snap", TestContext.Current.CancellationToken);

        var missing = await Assert.ThrowsAsync<SnapshotMismatchException>(() => cassette.VerifyTrafficAsync());
        Assert.Contains("no verified snapshot yet", missing.Message, StringComparison.Ordinal);
        File.Move(Path.Combine(_folder, "snap.received.json"), Path.Combine(_folder, "snap.verified.json"));
        await cassette.VerifyTrafficAsync(); // accepted: now it matches (Date and ids are scrubbed)

        await fixture.CreateClient().GetStringAsync(server.Url + "/snap", TestContext.Current.CancellationToken);
        var changed = await Assert.ThrowsAsync<SnapshotMismatchException>(() => cassette.VerifyTrafficAsync());

        Assert.Contains("--- snap.verified.json", changed.Message, StringComparison.Ordinal);
        Assert.Contains("+    \"response_body\": \"answer 2\"", changed.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder, "snap.received.json")));
    }

    // A verified snapshot is committed beside the cassette: it is redacted as the cassette is.
    [Fact]
    public async Task Snapshot_CredentialsAndLearnedSecrets_AreRedacted()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("secret-snap");
        using var request = new HttpRequestMessage(HttpMethod.Get, server.Url + "/me?access_token=at-snapshot-313131");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bt-snapshot-323232");
        using var response = await fixture.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<SnapshotMismatchException>(() => cassette.VerifyTrafficAsync());

        var snapshot = await File.ReadAllTextAsync(Path.Combine(_folder, "secret-snap.received.json"), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("at-snapshot-313131", snapshot, StringComparison.Ordinal);
        Assert.DoesNotContain("bt-snapshot-323232", snapshot, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer <AUTHORIZATION>", snapshot, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_PlusJsonBodyWithUtf8ByteOrderMark_WrittenAsJson()
    {
        // The server sends EF BB BF before the JSON; the snapshot decodes it as the console does (the
        // mark chooses UTF-8 and is not text), so the body is JSON, not a string starting with U+FEFF.
        const string Json = "{\"id\":7}";
        await using var server = new ScriptedServer(n => n == 0
            ? $"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.api+json\r\nContent-Length: {Json.Length + 3}\r\nConnection: close\r\n\r\n\u00EF\u00BB\u00BF{Json}"
            : null);
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("bom");
        await fixture.CreateClient().GetByteArrayAsync(server.Url + "/bom", TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<SnapshotMismatchException>(() => cassette.VerifyTrafficAsync()); // no verified snapshot yet
        var received = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "bom.received.json"), TestContext.Current.CancellationToken))!;

        var body = Assert.IsType<System.Text.Json.Nodes.JsonObject>(received[0]!["response_body"]);
        Assert.Equal(7, (int)body["id"]!);
    }

    [Fact]
    public async Task Snapshot_Mismatch_HandsReceivedAndVerifiedToTheDiffLauncher()
    {
        var verified = Path.Combine(_folder, "launch.verified.json");
        await File.WriteAllTextAsync(verified, "[]\n", TestContext.Current.CancellationToken);
        var flow = MitmFixture.Tests.Support.TestFlows.Get("http://example.com/x");
        (string Received, string Verified)? launched = null;

        await Assert.ThrowsAsync<SnapshotMismatchException>(() => TrafficSnapshot.VerifyAsync([flow], _folder, "launch", new MitmFixture.Replay.Drift.TrafficScrubOptions(), accept: false, (r, v) =>
        {
            launched = (r, v);
            return Task.CompletedTask;
        }));

        Assert.Equal((Path.Combine(_folder, "launch.received.json"), verified), launched);
    }

    [Theory]
    [InlineData(true, false, true)]
    [InlineData(true, true, false)]
    [InlineData(false, false, false)]
    public void DiffTool_OpensOnlyWhenAskedAndNeverOnCi(bool open, bool ci, bool expected) =>
        Assert.Equal(expected, DiffTool.For(new FixtureOptions { OpenDiffTool = open, ContinuousIntegration = ci }) is not null);

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ChildProcess_UsesTheProxyThroughEnvironmentVariables()
    {
        var upstream = await TestUpstream.StartAsync();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("child");
        var home = ChildEnvironment.CreateHome();
        var start = new ProcessStartInfo("curl", ["-q", "--silent", "--max-time", "20", $"{upstream.HttpsUrl}/echo/child"]) { RedirectStandardOutput = true }.Isolate(home);
        foreach (var (key, value) in fixture.EnvironmentVariables)
        {
            start.Environment[key] = value;
        }

        using var curl = Process.Start(start)!;
        var output = await curl.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await curl.WaitForExitAsync(TestContext.Current.CancellationToken);
        await upstream.DisposeAsync();
        ChildEnvironment.DeleteHome(home);

        // The upstream's certificate is not trusted by this fixture's proxy: the point is that curl went through it.
        Assert.Equal("https://localhost:" + new Uri(upstream.HttpsUrl).Port + "/echo/child", Assert.Single(cassette.Flows).Request.Url);
        Assert.NotNull(output);
    }

    [Fact]
    public async Task HttpClientFactory_PrimaryHandlerFromTheFixture_GoesThroughTheProxy()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("factory");
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.HttpClientBuilderExtensions.ConfigurePrimaryHttpMessageHandler(
            Microsoft.Extensions.DependencyInjection.HttpClientFactoryServiceCollectionExtensions.AddHttpClient(services, "api"),
            fixture.CreateHandler);
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        var factory = (IHttpClientFactory)provider.GetService(typeof(IHttpClientFactory))!;

        await factory.CreateClient("api").GetStringAsync(server.Url + "/via-factory", TestContext.Current.CancellationToken);

        Assert.Equal("/via-factory", Assert.Single(cassette.Flows).Request.Path);
    }

    [Fact]
    public async Task FlowHooks_LambdaAddonAnswersARequestItself()
    {
        var hooks = new FlowHooks
        {
            OnRequest = flow =>
            {
                if (flow.Request.Path == "/stubbed")
                {
                    flow.Response = MitmFixture.Http.HttpResponse.Create(418, "stubbed by the test");
                }
            },
        };
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough) with { Addons = [hooks] });
        await using var cassette = await fixture.UseCassetteAsync("hooks");

        using var response = await fixture.CreateClient().GetAsync("http://nowhere.invalid/stubbed", TestContext.Current.CancellationToken);

        Assert.Equal(418, (int)response.StatusCode);
        Assert.Equal("stubbed by the test", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ProxyLog_GoesToTheRunningTestsOutput()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("logged");

        await fixture.CreateClient().GetStringAsync(server.Url + "/logged", TestContext.Current.CancellationToken);
        for (var i = 0; i < 100 && !TestContext.Current.TestOutputHelper!.Output.Contains("/logged -> 200", StringComparison.Ordinal); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken); // logged once the answer has gone out
        }

        Assert.Contains($"GET {server.Url}/logged -> 200", TestContext.Current.TestOutputHelper!.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyLog_UpstreamErrorGoesToTheTestsOutput()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("refused");
        var closedPort = System.Net.Sockets.TcpListener.Create(0);
        closedPort.Start();
        var port = ((System.Net.IPEndPoint)closedPort.LocalEndpoint).Port;
        closedPort.Stop();

        using var response = await fixture.CreateClient().GetAsync($"http://127.0.0.1:{port}/gone", TestContext.Current.CancellationToken);

        Assert.Equal(502, (int)response.StatusCode);
        await Eventually.TrueAsync(() => TestContext.Current.TestOutputHelper!.Output.Contains($"GET http://127.0.0.1:{port}/gone failed: ", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
