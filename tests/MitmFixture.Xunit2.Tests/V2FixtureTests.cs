using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;
using Xunit.Abstractions;

namespace MitmFixture.Xunit2.Tests;

/// <summary>
/// The xunit 2 fixture as a user's test meets it: the cassette named after the test from xunit 2's
/// own <see cref="ITestOutputHelper"/>, recorded against a real server and replayed with the server
/// gone; parallel work told apart by the scope in its execution context; requests no scope can take
/// refused and failing the fixture; the proxy's log in the test's output, redacted.
/// </summary>
public sealed class V2FixtureTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-xunit2-").FullName;

    [Fact]
    public async Task RecordThenReplay_CassetteNamedAfterTheTest_ReplaysWithTheServerGone()
    {
        string url;
        string path;
        await using (var server = new CountingServer())
        {
            url = server.Url + "/quote";
            var recording = await IsolatedFixture.StartAsync(RecordMode.Record, _folder);
            await using (var cassette = await recording.UseCassetteAsync(output))
            {
                using var client = recording.CreateClient();
                Assert.Equal("answer 1", await client.GetStringAsync(url));
                path = cassette.Path;
            }

            await recording.DisposeAsync();
            Assert.Equal(1, server.Requests);
        }

        Assert.Contains(nameof(RecordThenReplay_CassetteNamedAfterTheTest_ReplaysWithTheServerGone), path, StringComparison.Ordinal); // read from xunit 2's ITestOutputHelper
        Assert.True(File.Exists(path), path);

        var replaying = await IsolatedFixture.StartAsync(RecordMode.Replay, _folder);
        await using (await replaying.UseCassetteAsync(output))
        {
            using var client = replaying.CreateClient();
            Assert.Equal("answer 1", await client.GetStringAsync(url)); // the server is gone: only the cassette can answer
        }

        await replaying.DisposeAsync();
    }

    [Fact]
    public async Task ParallelScopes_EachRequestGoesToTheCassetteOfTheScopeInItsExecutionContext()
    {
        await using var server = new CountingServer();
        var fixture = await IsolatedFixture.StartAsync(RecordMode.Record, _folder);
        using var client = fixture.CreateClient(); // one client for both, as a class fixture's would be
        async Task<CassetteScope> RunAsync(string name)
        {
            var scope = await fixture.UseCassetteAsync(output, name);
            for (var i = 0; i < 3; i++)
            {
                await client.GetStringAsync($"{server.Url}/{name}/{i}");
            }

            return scope;
        }

        var scopes = await Task.WhenAll(Task.Run(() => RunAsync("left")), Task.Run(() => RunAsync("right")));

        foreach (var scope in scopes)
        {
            Assert.Equal(3, scope.Flows.Count);
            Assert.All(scope.Flows, flow => Assert.StartsWith($"/{scope.Name}/", flow.Request.Path, StringComparison.Ordinal));
            await scope.DisposeAsync();
        }

        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task RequestWithNoScope_IsRefusedNotSentAndFailsTheFixturesDispose()
    {
        await using var server = new CountingServer();
        var fixture = await IsolatedFixture.StartAsync(RecordMode.Record, _folder);
        using var client = fixture.CreateClient();

        var refused = await Assert.ThrowsAsync<UnattributedRequestException>(() => client.GetStringAsync(server.Url + "/no-scope"));

        Assert.Contains($"GET {server.Url}/no-scope was sent through the fixture's client with no cassette scope in its execution context", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(fixture.DisposeAsync); // xunit 2 reports it as the fixture's cleanup failure
        Assert.Contains($"GET {server.Url}/no-scope was sent", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyLog_GoesToTheTestsOutput_WithSecretQueryValuesRedacted()
    {
        await using var server = new CountingServer();
        var fixture = await IsolatedFixture.StartAsync(RecordMode.Record, _folder);
        var captured = new CapturedOutput();
        await using (await fixture.UseCassetteAsync(captured, "logged"))
        {
            using var client = fixture.CreateClient();
            await client.GetStringAsync(server.Url + "/items?access_token=tok-7f3a9c2e51");
        }

        await fixture.DisposeAsync();
        var log = string.Join("\n", captured.Lines);
        Assert.Contains($"GET {server.Url}/items?access_token=<ACCESS_TOKEN>", log, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-7f3a9c2e51", log, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
