using MitmFixture.Replay.Drift;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>The fixture's Drift mode: tests run against the live service and fail when its answers no longer match the cassette.</summary>
public sealed class DriftModeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-driftmode-").FullName;

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder) with
    {
        DriftScrubbing = new TrafficScrubOptions().ForDrift([], ["generated"]),
    };

    [Fact]
    public async Task Drift_ServiceUnchanged_TestPassesAgainstTheLiveService()
    {
        await using var server = new ChangingServer();
        await RecordAsync(server);

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift));
        var scope = await fixture.UseCassetteAsync("users");
        await CallAsync(fixture, server);
        await scope.DisposeAsync();

        Assert.Equal(RecordMode.Drift, scope.Mode);
        Assert.Equal(4, server.Requests); // two recorded, two live: nothing was served from the cassette
    }

    [Fact]
    public async Task Drift_ServiceChanged_FailsWithTheDiffAndLeavesTheCassetteAlone()
    {
        await using var server = new ChangingServer();
        var path = await RecordAsync(server);
        var before = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        server.Version = 2;

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift));
        var scope = await fixture.UseCassetteAsync("users");
        await CallAsync(fixture, server);
        using var extra = await fixture.CreateClient().GetAsync(server.Url + "/logo.bin", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<TrafficDriftException>(async () => await scope.DisposeAsync());

        Assert.Contains($"drifted #1 GET {server.Url}/user: header X-Api-Version, body", error.Message, StringComparison.Ordinal);
        Assert.Contains($"same #2 GET {server.Url}/secure", error.Message, StringComparison.Ordinal);
        Assert.Contains($"unrecorded GET {server.Url}/logo.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("+    \"name\": \"Grace\"", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));

        // The traffic report marks the drifted and the unrecorded flow with why (issue 23).
        var report = Path.Combine(_folder, "reports", "users.html");
        Assert.Contains($"traffic report: {report}", error.Message, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken);
        Assert.Contains("drifted from recording #1: header X-Api-Version, body", html, StringComparison.Ordinal);
        Assert.Contains($"unrecorded: GET {server.Url}/logo.bin: ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("from recording #2", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drift_NoCassette_FailsLikeReplay()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift));

        var error = await Assert.ThrowsAsync<MissingCassetteException>(async () => await fixture.UseCassetteAsync("never-recorded"));

        Assert.Contains("(mode Drift)", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task CallAsync(ProxyFixture fixture, ChangingServer server)
    {
        var client = fixture.CreateClient();
        await client.GetStringAsync(server.Url + "/user", TestContext.Current.CancellationToken);
        using var secure = new HttpRequestMessage(HttpMethod.Get, server.Url + "/secure");
        secure.Headers.TryAddWithoutValidation("Authorization", ChangingServer.Token);
        using var response = await client.SendAsync(secure, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> RecordAsync(ChangingServer server)
    {
        await using var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        await using (var scope = await recorder.UseCassetteAsync("users"))
        {
            await CallAsync(recorder, server);
            return scope.Path;
        }
    }
}
