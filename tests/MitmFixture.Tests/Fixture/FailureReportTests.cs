using System.Net;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>Issue 23: a failing cassette scope writes its traffic report and names it in the failure; the option turns it off or on for passing tests.</summary>
public sealed class FailureReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-report-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string Reports => Path.Combine(_folder, "reports");

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

    /// <summary>Where the running test's report for <paramref name="cassette"/> goes: the test's display name and the cassette's, sanitised as cassette names are.</summary>
    private string ReportOf(string cassette) =>
        Path.Combine(Reports, CassetteNaming.FileNameFor(TestContext.Current.Test!.TestDisplayName + "--" + cassette)[..^".json".Length] + ".html"); // inside a test

    private async Task RecordAsync(CountingServer server, string name)
    {
        await using var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        await using var cassette = await recorder.UseCassetteAsync(name);
        await recorder.CreateClient().GetStringAsync(server.Url + "/recorded", Cancel);
    }

    [Fact]
    public async Task UnmatchedRequest_FailsNamingTheReport_WhichHoldsTheFlowsAndWhatDiffered()
    {
        await using var server = new CountingServer();
        await RecordAsync(server, "unmatched");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));
        var scope = await fixture.UseCassetteAsync("unmatched");
        var client = fixture.CreateClient();
        Assert.Equal("answer 1", await client.GetStringAsync(server.Url + "/recorded", Cancel));
        using var missed = await client.GetAsync(server.Url + "/never-recorded", Cancel);
        Assert.Equal(HttpStatusCode.InternalServerError, missed.StatusCode);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        var path = ReportOf("unmatched");
        Assert.Contains($"traffic report: {path}", error.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(path));
        var html = await File.ReadAllTextAsync(path, Cancel);
        Assert.Contains($"{server.Url}/recorded", html, StringComparison.Ordinal);
        Assert.Contains($"{server.Url}/never-recorded", html, StringComparison.Ordinal);
        Assert.Contains("no recording answers this request", html, StringComparison.Ordinal);
        Assert.Contains("differs in", html, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests); // replay never went upstream
    }

    [Fact]
    public async Task Never_FailingScope_WritesNoReport_AndTheMessageNamesNone()
    {
        await using var server = new CountingServer();
        await RecordAsync(server, "never");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { TrafficReport = TrafficReportPolicy.Never });
        var scope = await fixture.UseCassetteAsync("never");
        using var missed = await fixture.CreateClient().GetAsync(server.Url + "/never-recorded", Cancel);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        Assert.DoesNotContain("traffic report", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Reports));
    }

    [Fact]
    public async Task OnFailureByDefault_PassingScope_WritesNoReport_ButAlwaysDoes()
    {
        await using var server = new CountingServer();
        await RecordAsync(server, "passing");
        Assert.Equal(TrafficReportPolicy.OnFailure, new FixtureOptions().TrafficReport);

        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay)))
        {
            await using var scope = await fixture.UseCassetteAsync("passing");
            await fixture.CreateClient().GetStringAsync(server.Url + "/recorded", Cancel);
        }

        Assert.False(Directory.Exists(Reports));

        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { TrafficReport = TrafficReportPolicy.Always }))
        {
            await using var scope = await fixture.UseCassetteAsync("passing");
            await fixture.CreateClient().GetStringAsync(server.Url + "/recorded", Cancel);
        }

        var html = await File.ReadAllTextAsync(ReportOf("passing"), Cancel);
        Assert.Contains($"{server.Url}/recorded", html, StringComparison.Ordinal);
        Assert.Contains("passing: passed (Replay)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("no recording answers this request", html, StringComparison.Ordinal);
    }

    // The report goes where test output goes (CI artifacts): redacted as the cassette is.
    [Fact]
    public async Task Report_OfLiveTraffic_HasItsCredentialsRedacted()
    {
        await using var server = new CountingServer();
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough) with { TrafficReport = TrafficReportPolicy.Always }))
        {
            await using var scope = await fixture.UseCassetteAsync("live-secrets");
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url + "/me?access_token=at-report-414141");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "bt-report-424242");
            using var response = await fixture.CreateClient().SendAsync(request, Cancel);
        }

        var html = await File.ReadAllTextAsync(ReportOf("live-secrets"), Cancel);
        Assert.Contains("/me?access_token=", html, StringComparison.Ordinal);
        Assert.DoesNotContain("at-report-414141", html, StringComparison.Ordinal);
        Assert.DoesNotContain("bt-report-424242", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusedInteractions_ReportListsTheUnplayedRecordingMarked_UnderTheFullMessage()
    {
        await using var server = new CountingServer();
        await using (var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await recorder.UseCassetteAsync("unused");
            await recorder.CreateClient().GetStringAsync(server.Url + "/played", Cancel);
            await recorder.CreateClient().GetStringAsync(server.Url + "/unplayed", Cancel);
        }

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { FailOnUnusedInteractions = true });
        var scope = await fixture.UseCassetteAsync("unused");
        await fixture.CreateClient().GetStringAsync(server.Url + "/played", Cancel);
        var error = await Assert.ThrowsAsync<UnusedInteractionsException>(async () => await scope.DisposeAsync());

        var path = ReportOf("unused");
        Assert.EndsWith($"traffic report: {path}", error.Message, StringComparison.Ordinal);
        var list = await HeadlessChromium.LoadAsync(path);
        Assert.Empty(list.Console);
        Assert.Contains("data-ready=\"1\"", list.Dom, StringComparison.Ordinal);
        Assert.Contains(">2 flows<", list.Dom, StringComparison.Ordinal);
        Assert.Contains($"holds 1 recorded request(s) this test no longer makes:\n  GET {server.Url}/unplayed", list.Dom, StringComparison.Ordinal);
        var unplayed = await HeadlessChromium.LoadAsync(path, "#flow=2");
        Assert.Contains($"<h2>GET {server.Url}/unplayed</h2>", unplayed.Dom, StringComparison.Ordinal);
        Assert.Contains("<h3>Why this flow is marked</h3>", unplayed.Dom, StringComparison.Ordinal);
        Assert.Contains("never requested by this test (an unused interaction", unplayed.Dom, StringComparison.Ordinal);
        var played = await HeadlessChromium.LoadAsync(path, "#flow=1");
        Assert.DoesNotContain("<h3>Why this flow is marked</h3>", played.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedRecording_ReportMarksTheFlowThatWasKeptReduced()
    {
        await using var server = new CountingServer();
        // An addon's bug (a request without a path, once it was sent) makes recording the flow in full throw.
        var broken = new FlowHooks { OnResponse = f => f.Request.Path = null! };
        await using var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record) with { Addons = [broken] });
        var scope = await recorder.UseCassetteAsync("failed-recording");
        await recorder.CreateClient().GetStringAsync(server.Url + "/kept-reduced", Cancel);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await scope.DisposeAsync());

        var path = ReportOf("failed-recording");
        Assert.Contains("1 flow(s) could not be recorded in full and were kept in reduced form", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"traffic report: {path}", error.Message, StringComparison.Ordinal);
        var page = await HeadlessChromium.LoadAsync(path, "#flow=1");
        Assert.Empty(page.Console);
        Assert.Contains($"<h2>GET {server.Url}", page.Dom, StringComparison.Ordinal); // the addon took its path away
        Assert.Contains("could not be recorded in full, kept in the cassette in reduced form", page.Dom, StringComparison.Ordinal);
        Assert.Contains("could not be recorded in full and were kept in reduced form:\n  GET ", page.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnattributedRequest_EachOpenScopeFails_WithAReportSayingWhy()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        var first = await fixture.UseCassetteAsync("first");
        var second = await fixture.UseCassetteAsync("second");
        await first.CreateClient().GetStringAsync(server.Url + "/own", Cancel);
        using (var shared = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(fixture.Proxy.Url), UseProxy = true }))
        {
            using var refused = await shared.GetAsync(server.Url + "/whose", Cancel);
            Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        }

        var firstError = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await first.DisposeAsync());
        var secondError = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await second.DisposeAsync());

        Assert.EndsWith($"traffic report: {ReportOf("first")}", firstError.Message, StringComparison.Ordinal);
        Assert.EndsWith($"traffic report: {ReportOf("second")}", secondError.Message, StringComparison.Ordinal);
        var withFlow = await HeadlessChromium.LoadAsync(ReportOf("first"));
        Assert.Empty(withFlow.Console);
        Assert.Contains(">1 flows<", withFlow.Dom, StringComparison.Ordinal);
        Assert.Contains($"MitmFixture cannot tell which test sent GET {server.Url}/whose", withFlow.Dom, StringComparison.Ordinal);
        var empty = await HeadlessChromium.LoadAsync(ReportOf("second"));
        Assert.Empty(empty.Console);
        Assert.Contains("No flows to show: no request went through this cassette's port.", empty.Dom, StringComparison.Ordinal);
        Assert.Contains($"MitmFixture cannot tell which test sent GET {server.Url}/whose", empty.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportFolderNotWritable_TestFailsWithItsOwnMessage_AndSaysTheReportWasNotWritten()
    {
        await using var server = new CountingServer();
        await RecordAsync(server, "unwritable");
        var notAFolder = Path.Combine(_folder, "a-file");
        await File.WriteAllTextAsync(notAFolder, "in the way", Cancel);

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { ReportFolder = Path.Combine(notAFolder, "reports") });
        var scope = await fixture.UseCassetteAsync("unwritable");
        using var missed = await fixture.CreateClient().GetAsync(server.Url + "/never-recorded", Cancel);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        Assert.StartsWith($"cassette {Path.Combine(_folder, "unwritable.json")} has no answer for 1 request(s):", error.Message, StringComparison.Ordinal);
        Assert.Contains($"GET {server.Url}/never-recorded", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\ntraffic report not written to {Path.Combine(notAFolder, "reports")}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("traffic report: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoFailingTestsOnOneCassette_LeaveTwoReports_NamedAfterEachTest()
    {
        await using var server = new CountingServer();
        await RecordAsync(server, "shared");
        await using var host = new FixtureHost(Options(RecordMode.Replay));
        await host.StartAsync();

        // Two tests as the fixture sees them (xunit v3 and 2 both name the running test this way), one after the other on one cassette.
        var paths = new List<string>();
        foreach (var test in (string[])["Api.UserTests.Get(id: 1)", "Api.UserTests.Delete"])
        {
            var scope = host.OpenScope(test, "shared", new ScopeOwner(test, test), output: null, warn: _ => { });
            using var client = scope.CreateClient();
            using var missed = await client.GetAsync(server.Url + "/" + test, Cancel);
            var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());
            paths.Add(error.Message[(error.Message.LastIndexOf("traffic report: ", StringComparison.Ordinal) + "traffic report: ".Length)..]);
        }

        Assert.Equal([Path.Combine(Reports, "Api.UserTests.Get_id_-1_--shared.html"), Path.Combine(Reports, "Api.UserTests.Delete--shared.html")], paths);
        Assert.Contains("Get(id: 1)", await File.ReadAllTextAsync(paths[0], Cancel), StringComparison.Ordinal);
        Assert.Contains("Delete", await File.ReadAllTextAsync(paths[1], Cancel), StringComparison.Ordinal);
        Assert.DoesNotContain("Get(id: 1)", await File.ReadAllTextAsync(paths[1], Cancel), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Api.UserTests.Get", "/r/Api.UserTests.Get.json", "Api.UserTests.Get.html")]
    [InlineData("Api.UserTests.Get", "/r/users.json", "Api.UserTests.Get--users.html")]
    [InlineData(null, "/r/users.json", "users.html")]
    [InlineData("Api.UserTests.Get(path: \"../../etc\")", "/r/users.json", "Api.UserTests.Get_path_-_._._etc__--users.html")]
    public void FileName_IsTheTestAndTheCassette_SanitisedAndDeterministic(string? test, string cassette, string expected)
    {
        Assert.Equal(expected, FailureReport.FileName(test, cassette));
        Assert.Equal(expected, FailureReport.FileName(test, cassette));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
