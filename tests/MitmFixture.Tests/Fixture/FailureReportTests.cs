using System.Net;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>Issue 23: a failing cassette scope writes its traffic report and names it in the failure; the option turns it off or on for passing tests.</summary>
public sealed class FailureReportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-report-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string Reports => Path.Combine(_folder, "reports");

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

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

        var path = Path.Combine(Reports, "unmatched.html");
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

        var html = await File.ReadAllTextAsync(Path.Combine(Reports, "passing.html"), Cancel);
        Assert.Contains($"{server.Url}/recorded", html, StringComparison.Ordinal);
        Assert.Contains("passing: passed (Replay)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("no recording answers this request", html, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
