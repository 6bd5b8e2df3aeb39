using System.Diagnostics;
using System.Reflection;
using MitmFixture.Tests.Readme;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>The fixture used as a test would, against real local servers; each test has its own recordings folder.</summary>
public sealed class ProxyFixtureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-fixture-").FullName;

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

    private static async Task<ProxyFixture> StartAsync(FixtureOptions options)
    {
        var fixture = ProxyFixture.WithOptions(options);
        await fixture.InitializeAsync();
        return fixture;
    }

    [Fact]
    public async Task Record_ThenReplayWithServerStopped_SameAnswers()
    {
        var upstream = await TestUpstream.StartAsync();
        var url = $"{upstream.HttpUrl}/echo/weather?city=Paris";
        string recorded;
        await using (var fixture = await StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await fixture.UseCassetteAsync("weather");
            recorded = await fixture.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken);
            Assert.Equal(RecordMode.Record, cassette.Mode);
        }

        await upstream.DisposeAsync();
        await using (var fixture = await StartAsync(Options(RecordMode.Replay)))
        {
            await using var cassette = await fixture.UseCassetteAsync("weather");
            Assert.Equal(recorded, await fixture.CreateClient().GetStringAsync(url, TestContext.Current.CancellationToken));
            Assert.Single(cassette.Flows);
        }
    }

    [Fact]
    public async Task Auto_RecordsWhenMissingAndReplaysWhenPresent()
    {
        await using var server = new CountingServer();
        await using var fixture = await StartAsync(Options(RecordMode.Auto));

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
        await using (var recorder = await StartAsync(Options(RecordMode.Record)))
        {
            await using var cassette = await recorder.UseCassetteAsync("unmatched");
            await recorder.CreateClient().GetStringAsync(server.Url + "/items/1", TestContext.Current.CancellationToken);
        }

        await using var fixture = await StartAsync(Options(RecordMode.Replay));
        var scope = await fixture.UseCassetteAsync("unmatched");
        using var response = await fixture.CreateClient().GetAsync(server.Url + "/items/2", TestContext.Current.CancellationToken);
        var error = await Assert.ThrowsAsync<UnmatchedRequestException>(async () => await scope.DisposeAsync());

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Contains("path (/items/2 vs recorded /items/1)", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Replay_MissingCassette_SaysHowToRecordIt()
    {
        await using var fixture = await StartAsync(Options(RecordMode.Replay));

        var error = await Assert.ThrowsAsync<MissingCassetteException>(() => fixture.UseCassetteAsync("never-recorded"));

        Assert.Contains("never-recorded.json does not exist (mode Replay)", error.Message, StringComparison.Ordinal);
        Assert.Contains("MITMFIXTURE_MODE=Record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AutoOnCi_MissingCassette_IsAFailureNotARecording()
    {
        await using var fixture = await StartAsync(Options(RecordMode.Auto) with { ContinuousIntegration = true });

        var error = await Assert.ThrowsAsync<MissingCassetteException>(() => fixture.UseCassetteAsync("ci"));

        Assert.Contains("CI=true, so it is not recorded here", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "ci.json")));
    }

    [Fact]
    public async Task DefaultCassetteName_ComesFromTheRunningTest()
    {
        await using var fixture = await StartAsync(Options(RecordMode.Record));

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
            await using var fixture = await StartAsync(Options(RecordMode.Record));
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
    public async Task Snapshot_MismatchFailsWithAUnifiedDiffAndKeepsReceived()
    {
        await using var server = new CountingServer();
        await using var fixture = await StartAsync(Options(RecordMode.Passthrough));
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

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ChildProcess_UsesTheProxyThroughEnvironmentVariables()
    {
        var upstream = await TestUpstream.StartAsync();
        await using var fixture = await StartAsync(Options(RecordMode.Passthrough));
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
        await using var fixture = await StartAsync(Options(RecordMode.Passthrough));
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
        await using var fixture = await StartAsync(Options(RecordMode.Passthrough) with { Addons = [hooks] });
        await using var cassette = await fixture.UseCassetteAsync("hooks");

        using var response = await fixture.CreateClient().GetAsync("http://nowhere.invalid/stubbed", TestContext.Current.CancellationToken);

        Assert.Equal(418, (int)response.StatusCode);
        Assert.Equal("stubbed by the test", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ProxyLog_GoesToTheRunningTestsOutput()
    {
        await using var server = new CountingServer();
        await using var fixture = await StartAsync(Options(RecordMode.Passthrough));
        await using var cassette = await fixture.UseCassetteAsync("logged");

        await fixture.CreateClient().GetStringAsync(server.Url + "/logged", TestContext.Current.CancellationToken);
        for (var i = 0; i < 100 && !TestContext.Current.TestOutputHelper!.Output.Contains("/logged -> 200", StringComparison.Ordinal); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken); // logged once the answer has gone out
        }

        Assert.Contains($"GET {server.Url}/logged -> 200", TestContext.Current.TestOutputHelper!.Output, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task MsBuildProperty_BakesTheModeIntoTheTestAssembly()
    {
        var project = Path.Combine(_folder, "sample");
        Directory.CreateDirectory(project);
        var targets = Path.Combine(ReadmeExampleTests.FindRepositoryRoot(), "src", "MitmFixture.Xunit", "build", "MitmFixture.Xunit.targets");
        await File.WriteAllTextAsync(Path.Combine(project, "Sample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><ImportDirectoryBuildProps>false</ImportDirectoryBuildProps></PropertyGroup>
              <Import Project="{targets}" />
            </Project>
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(project, "Empty.cs"), "namespace Sample; public static class Empty { }", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(project, "Directory.Packages.props"), "<Project />", TestContext.Current.CancellationToken);

        var start = new ProcessStartInfo("dotnet", ["build", project, "-p:MitmFixtureMode=Record", "-o", Path.Combine(project, "out"), "-v", "q", "-nologo"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var name in ChildEnvironment.Removed)
        {
            start.Environment.Remove(name); // HOME stays: the build needs the real NuGet package cache
        }

        var build = Process.Start(start)!;
        var log = await build.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await build.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(build.ExitCode == 0, log);

        var assembly = Assembly.LoadFile(Path.Combine(project, "out", "Sample.dll"));
        Assert.Equal(RecordMode.Record, ModeResolver.Resolve(RecordMode.Replay, assembly, environmentValue: null));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
