using MitmFixture.Cassettes;
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
        var report = Path.Combine(_folder, "reports", CassetteNaming.FileNameFor(TestContext.Current.Test!.TestDisplayName + "--users")[..^".json".Length] + ".html"); // inside a test
        Assert.Contains($"traffic report: {report}", error.Message, StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken);
        Assert.Contains("drifted from recording #1: header X-Api-Version, body", html, StringComparison.Ordinal);
        Assert.Contains($"unrecorded: GET {server.Url}/logo.bin: ", html, StringComparison.Ordinal);
        Assert.DoesNotContain("from recording #2", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drift_Accept_RewritesOnlyTheDriftedFlows_AppendsTheUnrecorded_AndPassesWithAWarning()
    {
        await using var server = new ChangingServer();
        var path = await RecordAsync(server);
        var unchanged = Fragment(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), 1);
        server.Version = 2;

        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift) with { AcceptDrift = true }))
        {
            await using var scope = await fixture.UseCassetteAsync("users");
            await CallAsync(fixture, server);
            await fixture.CreateClient().GetByteArrayAsync(server.Url + "/logo.bin", TestContext.Current.CancellationToken);
        }

        // The test passed, and says what it changed.
        var warning = Assert.Single(TestContext.Current.Warnings ?? [], w => w.Contains("drifted and was rewritten", StringComparison.Ordinal));
        Assert.Contains($"cassette {path} drifted", warning, StringComparison.Ordinal);
        Assert.Contains($"#1 GET {server.Url}/user: header X-Api-Version, body (replaced)", warning, StringComparison.Ordinal);
        Assert.Contains($"#3 GET {server.Url}/logo.bin: not recorded before (appended)", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("/secure", warning, StringComparison.Ordinal);

        // In place, redacted, the flow that did not drift byte for byte as it was, no temp file left.
        var json = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(unchanged, Fragment(json, 1));
        Assert.Contains("Grace", Fragment(json, 0), StringComparison.Ordinal);
        Assert.Contains("/logo.bin", Fragment(json, 2), StringComparison.Ordinal);
        Assert.DoesNotContain(ChangingServer.Credential, json, StringComparison.Ordinal);
        Assert.Equal([path], Directory.GetFiles(_folder));

        // The rewritten cassette is the service as it is now: Drift finds nothing, Replay serves the new answers.
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift)))
        {
            await using var scope = await fixture.UseCassetteAsync("users");
            await CallAsync(fixture, server);
            await fixture.CreateClient().GetByteArrayAsync(server.Url + "/logo.bin", TestContext.Current.CancellationToken);
        }

        var requests = server.Requests;
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay)))
        {
            await using var scope = await fixture.UseCassetteAsync("users");
            Assert.Contains("Grace", await fixture.CreateClient().GetStringAsync(server.Url + "/user", TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        Assert.Equal(requests, server.Requests);
    }

    // A cassette whose flows were recorded in different modes (record --append) keeps each one's.
    [Fact]
    public async Task Drift_Accept_KeepsTheModeEachFlowWasRecordedIn()
    {
        await using var server = new ChangingServer();
        var path = await RecordAsync(server);
        var recorded = Cassette.Load(path);
        Cassette.SaveWithModes(path, recorded.Flows, [.. recorded.Modes.Select((m, i) => i == 1 ? "reverse:http://127.0.0.1:9" : m)], Redactor.None);
        server.Version = 2;

        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift) with { AcceptDrift = true }))
        {
            await using var scope = await fixture.UseCassetteAsync("users");
            await CallAsync(fixture, server);
            await fixture.CreateClient().GetByteArrayAsync(server.Url + "/logo.bin", TestContext.Current.CancellationToken);
        }

        Assert.Equal(["regular", "reverse:http://127.0.0.1:9", "regular"], Cassette.Load(path).Modes);
    }

    [Fact]
    public async Task Drift_Accept_ARecordedRequestGetsNoLiveAnswer_KeepsItsRecording_AndFails()
    {
        await using var server = new ChangingServer();
        var gone = new ChangingServer();
        string path;
        await using (var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var scope = await recorder.UseCassetteAsync("partial");
            await recorder.CreateClient().GetStringAsync(server.Url + "/user", TestContext.Current.CancellationToken);
            await recorder.CreateClient().GetStringAsync(gone.Url + "/user", TestContext.Current.CancellationToken);
            path = scope.Path;
        }

        var kept = Fragment(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), 1);
        await gone.DisposeAsync();
        server.Version = 2;

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift) with { AcceptDrift = true });
        var drifting = await fixture.UseCassetteAsync("partial");
        await fixture.CreateClient().GetStringAsync(server.Url + "/user", TestContext.Current.CancellationToken);
        using var failed = await fixture.CreateClient().GetAsync(gone.Url + "/user", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<TrafficDriftException>(async () => await drifting.DisposeAsync());

        Assert.Contains("(mode Drift, 1 flow(s) rewritten; 1 request(s) got no live answer, so their recordings were kept)", error.Message, StringComparison.Ordinal);
        Assert.Contains($"failed #2 GET {gone.Url}/user", error.Message, StringComparison.Ordinal);
        Assert.Contains($"#1 GET {server.Url}/user: header X-Api-Version, body (replaced)", error.Message, StringComparison.Ordinal);
        var json = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Contains("Grace", Fragment(json, 0), StringComparison.Ordinal);
        Assert.Equal(kept, Fragment(json, 1));
    }

    [Fact]
    public async Task Drift_NoCassette_FailsLikeReplay()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Drift));

        var error = await Assert.ThrowsAsync<MissingCassetteException>(async () => await fixture.UseCassetteAsync("never-recorded"));

        Assert.Contains("(mode Drift)", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The cassette's flow number <paramref name="index"/> as written, to tell a rewritten flow from one left alone.</summary>
    private static string Fragment(string json, int index) =>
        System.Text.Json.Nodes.JsonNode.Parse(json)!["flows"]![index]!.ToJsonString(); // a cassette is a JSON object with a flows array

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
