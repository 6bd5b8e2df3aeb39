using System.Diagnostics;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>The README's strictness and override promises: unused interactions, stale cassettes, MITMFIXTURE_MODE and MITMFIXTURE_ACCEPT.</summary>
public sealed class FixtureStrictnessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-strict-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

    /// <summary>Records GET /a and GET /b into <paramref name="name"/>.json from a counting server.</summary>
    private async Task RecordTwoAsync(CountingServer server, string name)
    {
        await using var recorder = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        await using var cassette = await recorder.UseCassetteAsync(name);
        await recorder.CreateClient().GetStringAsync(server.Url + "/a", Cancel);
        await recorder.CreateClient().GetStringAsync(server.Url + "/b", Cancel);
    }

    [Fact]
    public async Task FailOnUnusedInteractions_ARecordedRequestNotMade_FailsNamingIt()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "unused");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { FailOnUnusedInteractions = true });
        var scope = await fixture.UseCassetteAsync("unused");
        Assert.Equal("answer 1", await fixture.CreateClient().GetStringAsync(server.Url + "/a", Cancel));
        var error = await Assert.ThrowsAsync<UnusedInteractionsException>(async () => await scope.DisposeAsync());

        Assert.Contains("holds 1 recorded request(s) this test no longer makes", error.Message, StringComparison.Ordinal);
        Assert.Contains($"GET {server.Url}/b", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"GET {server.Url}/a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailOnUnusedInteractions_EveryRecordingUsed_Passes_AndOffByDefault()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "used");

        await using (var strict = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { FailOnUnusedInteractions = true }))
        {
            await using var scope = await strict.UseCassetteAsync("used");
            await strict.CreateClient().GetStringAsync(server.Url + "/a", Cancel);
            await strict.CreateClient().GetStringAsync(server.Url + "/b", Cancel);
        }

        await using var lenient = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay));
        await using var unusedScope = await lenient.UseCassetteAsync("used"); // nothing asked: no failure by default
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task StaleCassette_Fail_RefusesToReplayIt()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "stale");
        MakeOld("stale");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { MaxCassetteAge = TimeSpan.FromDays(30), StaleCassettePolicy = StaleCassettePolicy.Fail });
        var error = await Assert.ThrowsAsync<MissingCassetteException>(() => fixture.UseCassetteAsync("stale"));

        Assert.Contains("stale.json is older than 30 days; re-record it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleCassette_Warn_ReplaysAndAddsATestWarning()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "warned");
        MakeOld("warned");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { MaxCassetteAge = TimeSpan.FromDays(30) }); // Warn is the default
        await using var scope = await fixture.UseCassetteAsync("warned");

        Assert.Equal(RecordMode.Replay, scope.Mode);
        Assert.Equal("answer 1", await fixture.CreateClient().GetStringAsync(server.Url + "/a", Cancel));
        Assert.Contains(TestContext.Current.Warnings ?? [], w => w.Contains("warned.json is older than 30 days", StringComparison.Ordinal));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task StaleCassette_ReRecord_RecordsItAgainFromTheServer()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "rerecord");
        MakeOld("rerecord");

        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { MaxCassetteAge = TimeSpan.FromDays(30), StaleCassettePolicy = StaleCassettePolicy.ReRecord }))
        {
            await using var scope = await fixture.UseCassetteAsync("rerecord");
            Assert.Equal(RecordMode.Record, scope.Mode);
            Assert.Equal("answer 3", await fixture.CreateClient().GetStringAsync(server.Url + "/a", Cancel));
        }

        Assert.True(File.GetLastWriteTimeUtc(CassettePath("rerecord")) > DateTime.UtcNow.AddDays(-1)); // fresh again
        await using var replay = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { MaxCassetteAge = TimeSpan.FromDays(30), StaleCassettePolicy = StaleCassettePolicy.Fail });
        await using var again = await replay.UseCassetteAsync("rerecord");
        Assert.Equal("answer 3", await replay.CreateClient().GetStringAsync(server.Url + "/a", Cancel));
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task StaleCassette_YoungerThanTheLimit_IsReplayedWithoutWarning()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "young");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { MaxCassetteAge = TimeSpan.FromDays(30), StaleCassettePolicy = StaleCassettePolicy.Fail });
        await using var scope = await fixture.UseCassetteAsync("young");

        Assert.Equal(RecordMode.Replay, scope.Mode);
        Assert.DoesNotContain(TestContext.Current.Warnings ?? [], w => w.Contains("older than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Record", RecordMode.Replay, RecordMode.Record)]
    [InlineData("replay", RecordMode.Record, RecordMode.Replay)]
    [InlineData(" Passthrough ", RecordMode.Auto, RecordMode.Passthrough)]
    [InlineData("", RecordMode.Replay, RecordMode.Replay)]
    [InlineData(null, RecordMode.Record, RecordMode.Record)]
    public void ModeVariable_OverridesTheConfiguredMode(string? variable, RecordMode configured, RecordMode expected) =>
        Assert.Equal(expected, ModeResolver.Resolve(configured, name => name == ModeResolver.EnvironmentVariable ? variable : null));

    [Fact]
    public void ModeVariable_Nonsense_IsAClearError()
    {
        var error = Assert.Throws<ArgumentException>(() => ModeResolver.Resolve(RecordMode.Auto, name => name == ModeResolver.EnvironmentVariable ? "sometimes" : null));

        Assert.Equal("MITMFIXTURE_MODE is 'sometimes': expected Record, Replay, Auto, Passthrough or Drift", error.Message);
    }

    [Fact]
    public async Task ModeVariable_Record_RecordsOverACassetteTheTestWouldReplay()
    {
        await using var server = new CountingServer();
        await RecordTwoAsync(server, "forced");

        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Replay) with { ReadEnvironment = name => name == ModeResolver.EnvironmentVariable ? "Record" : null });
        await using (var scope = await fixture.UseCassetteAsync("forced"))
        {
            Assert.Equal(RecordMode.Record, scope.Mode);
            Assert.Equal("answer 3", await fixture.CreateClient().GetStringAsync(server.Url + "/a", Cancel));
        }

        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task AcceptSnapshots_WritesTheVerifiedFileInsteadOfFailing()
    {
        await using var server = new CountingServer();
        await using var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough) with { AcceptSnapshots = true });
        await using var cassette = await fixture.UseCassetteAsync("accepted");
        await fixture.CreateClient().GetStringAsync(server.Url + "/snap", Cancel);

        await cassette.VerifyTrafficAsync();

        Assert.Contains("\"response_body\": \"answer 1\"", await File.ReadAllTextAsync(Path.Combine(_folder, "accepted.verified.json"), Cancel), StringComparison.Ordinal);
    }

    /// <summary>
    /// The environment variables themselves, read by a fresh process (this assembly in a child role)
    /// so that setting them changes nothing for the tests running alongside.
    /// </summary>
    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(null, null, null, "mode=Auto", "accept=False", "ci=False", "acceptDrift=False")]
    [InlineData("Record", "1", "true", "mode=Record", "accept=True", "ci=True", "acceptDrift=True")]
    [InlineData("replay", "true", "TRUE", "mode=Replay", "accept=True", "ci=True", "acceptDrift=True")]
    [InlineData("", "0", "false", "mode=Auto", "accept=False", "ci=False", "acceptDrift=False")]
    public async Task EnvironmentVariables_SetTheFixtureDefaults(string? mode, string? accept, string? ci, string expectedMode, string expectedAccept, string expectedCi, string expectedAcceptDrift)
    {
        var home = ChildEnvironment.CreateHome();
        try
        {
            var start = new ProcessStartInfo("dotnet", [EntryPoint.AssemblyPath, EntryPoint.PrintFixtureDefaults]) { RedirectStandardOutput = true, RedirectStandardError = true }.Isolate(home);
            foreach (var (name, value) in new[] { ("MITMFIXTURE_MODE", mode), ("MITMFIXTURE_ACCEPT", accept), ("CI", ci) })
            {
                if (value is not null)
                {
                    start.Environment[name] = value;
                }
            }

            using var child = Process.Start(start)!;
            var output = child.StandardOutput.ReadToEndAsync(Cancel);
            var error = child.StandardError.ReadToEndAsync(Cancel);
            await child.WaitForExitAsync(Cancel).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

            Assert.True(child.ExitCode == 0, await error);
            Assert.Equal([expectedMode, expectedAccept, expectedAcceptDrift, expectedCi], (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        finally
        {
            ChildEnvironment.DeleteHome(home);
        }
    }

    [Fact]
    public async Task Record_CookieAndSetCookie_AreRedactedByDefault()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using (var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record)))
        {
            await using var scope = await fixture.UseCassetteAsync("cookies");
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{upstream.HttpUrl}/setcookie/session/server-secret-42");
            request.Headers.Add("Cookie", "session=client-secret-17");
            using var response = await fixture.CreateClient().SendAsync(request, Cancel);
            Assert.Equal("session=server-secret-42; Path=/", response.Headers.GetValues("Set-Cookie").Single()); // the live answer is untouched
        }

        var json = await File.ReadAllTextAsync(CassettePath("cookies"), Cancel);
        Assert.DoesNotContain("client-secret-17", json, StringComparison.Ordinal);
        Assert.DoesNotContain("server-secret-42", json, StringComparison.Ordinal);
        // Cassette-wide redaction (issue 16): each cookie value is its own numbered placeholder, attributes kept.
        Assert.Matches("\"Cookie: session=<COOKIE(-[0-9]+)?>\"", json);
        Assert.Matches("\"Set-Cookie: session=<COOKIE(-[0-9]+)?>; Path=/\"", json);
    }

    private string CassettePath(string name) => Path.Combine(_folder, name + ".json");

    private void MakeOld(string name) => File.SetLastWriteTimeUtc(CassettePath(name), DateTime.UtcNow.AddDays(-90));

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
