using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// Requests the fixture cannot give to a test's open cassette: one sent with no test's execution
/// context, one a test sends after its scope ended. Each is refused (never put into another test's
/// cassette) and fails a test or the fixture, since its sender may have caught the error or be over.
/// Another test's scope is played by a scope this test opens: the fixture tells tests apart by id, and
/// what it checks here is that a request from no test, or from an ended scope, never reaches an open one.
/// </summary>
public sealed class RefusedRequestTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-refused-").FullName;

    private FixtureOptions Options(RecordMode mode) => TestFixtureOptions.Isolated(mode, _folder);

    [Fact]
    public async Task FixtureClient_RequestWithNoTestsContext_IsRefusedAndNotInTheOpenCassetteWhichFailsForIt()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        using var client = fixture.CreateClient();
        var open = await fixture.UseCassetteAsync("open-alone"); // open alone: it owns the shared port, as a child process would find it
        var token = TestContext.Current.CancellationToken;

        Task<string> background;
        using (ExecutionContext.SuppressFlow())
        {
            background = Task.Run(() => client.GetStringAsync(server.Url + "/background", token), token); // a timer's or a hosted app's own thread
        }

        var refused = await Assert.ThrowsAsync<UnattributedRequestException>(() => background);
        Assert.Contains($"GET {server.Url}/background was sent through the fixture's client outside any test's execution context", refused.Message, StringComparison.Ordinal);
        Assert.Contains("cassette.CreateClient()", refused.Message, StringComparison.Ordinal);
        Assert.Empty(open.Flows);
        Assert.Equal(0, server.Requests);

        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await open.DisposeAsync());
        Assert.Contains("MitmFixture refused 1 request(s) that no open cassette could take", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"is the first to end since, so it fails for them, whether or not it sent them:\n  GET {server.Url}/background was sent", failure.Message, StringComparison.Ordinal);
        Assert.Empty(MitmFixture.Cassettes.Cassette.Load(open.Path).Flows);
        await fixture.DisposeAsync(); // reported once: nothing is left for the fixture's end
    }

    [Fact]
    public async Task FixtureClient_RequestAfterTheTestsScopeEnded_IsRefusedAndFailsTheNextScopeToEnd()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        using var client = fixture.CreateClient();
        await (await fixture.UseCassetteAsync("ended")).DisposeAsync();

        var late = await Assert.ThrowsAsync<UnattributedRequestException>(() => client.GetStringAsync(server.Url + "/late", TestContext.Current.CancellationToken));

        var test = TestContext.Current.Test!.TestDisplayName; // set in every test
        Assert.Contains($"test '{test}' sent GET {server.Url}/late through the fixture after its cassette scope (ended) was disposed", late.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        var next = await fixture.UseCassetteAsync("next"); // the next test's scope: a sender whose test is over cannot fail itself
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await next.DisposeAsync());
        Assert.Contains($"sent GET {server.Url}/late through the fixture after its cassette scope (ended) was disposed", failure.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task FixtureClient_RequestAfterTheLastScopeEnded_FailsTheFixturesDispose()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        using var client = fixture.CreateClient();
        await (await fixture.UseCassetteAsync("last")).DisposeAsync();
        await Assert.ThrowsAsync<UnattributedRequestException>(() => client.GetStringAsync(server.Url + "/after-the-last", TestContext.Current.CancellationToken));

        // xunit reports a fixture's failed dispose as its class, collection or assembly cleanup failure, and fails the run.
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await fixture.DisposeAsync());

        Assert.Contains("no cassette scope ended after them to report them, so the fixture's end does", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"sent GET {server.Url}/after-the-last through the fixture after its cassette scope (last) was disposed", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScopeClient_RequestOnItsConnectionAfterTheScopeEnded_IsRefusedAndFailsTheNextScopeToEnd()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        var scope = await fixture.UseCassetteAsync("kept-alive");
        using var own = scope.CreateClient();
        await own.GetStringAsync(server.Url + "/during", TestContext.Current.CancellationToken);
        await scope.DisposeAsync();

        using var response = await own.GetAsync(server.Url + "/after", TestContext.Current.CancellationToken); // the connection outlives the port's listener

        Assert.Equal(500, (int)response.StatusCode);
        Assert.Equal(1, server.Requests);
        var next = await fixture.UseCassetteAsync("next");
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await next.DisposeAsync());
        Assert.Contains($"GET {server.Url}/after came through the port of cassette kept-alive, which was already disposed", failure.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task FixtureHandler_ScopeEndingBetweenRouteAndConnection_IsRememberedAsRefused()
    {
        // The fixture's handler chose the test's port, then the scope ended (its listener closed)
        // before the request connected: the connection fails, and the fixture must remember it as it
        // remembers a request sent after the end, instead of leaving a caught HttpRequestException only.
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        var scope = await fixture.UseCassetteAsync("ends-in-between");
        var remembered = new List<string>();
        RequestRoute EndingRoute(HttpRequestMessage request)
        {
            var route = RequestRoute.To(scope);
            scope.DisposeAsync().AsTask().GetAwaiter().GetResult(); // the end lands after the choice
            return route;
        }

        using var client = new HttpClient(new RoutingHandler(new SocketsHttpHandler { Proxy = RoutingHandler.Proxy, UseProxy = true }, EndingRoute, remembered.Add));

        var refused = await Assert.ThrowsAsync<UnattributedRequestException>(() => client.GetStringAsync(server.Url + "/in-between", TestContext.Current.CancellationToken));

        Assert.Contains($"GET {server.Url}/in-between came through the port of cassette ends-in-between, which was already disposed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(refused.Message, Assert.Single(remembered)); // what the next scope to end, or the fixture's dispose, fails with
        Assert.IsType<HttpRequestException>(refused.InnerException); // the refused connection, kept for the curious
        Assert.Equal(0, server.Requests);
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task FixtureClient_RequestWithNoTestsContextInPassthrough_GoesThroughTheSharedPort()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));
        using var client = fixture.CreateClient();
        var token = TestContext.Current.CancellationToken;

        Task<string> background;
        using (ExecutionContext.SuppressFlow())
        {
            background = Task.Run(() => client.GetStringAsync(server.Url + "/live", token), token);
        }

        Assert.Equal("answer 1", await background); // nothing is recorded or replayed in Passthrough: nothing to mix up
        await fixture.DisposeAsync();
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ChildProcessOnTheSharedPort_WithOneScopeOpen_StillBelongsToIt()
    {
        // A child process carries no execution context either, and nothing in-process to refuse it: the shared port's rule stays.
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Record));
        var open = await fixture.UseCassetteAsync("child-alone");

        var curl = await Curl.RunAsync("-q", "--silent", "--max-time", "20", "-x", fixture.Proxy.Url.ToString(), server.Url + "/from-curl");

        Assert.True(curl.ExitCode == 0, curl.Stderr);
        Assert.Equal("/from-curl", Assert.Single(open.Flows).Request.Path);
        await open.DisposeAsync();
        await fixture.DisposeAsync();
    }

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(RecordMode.Replay)]
    [InlineData(RecordMode.Record)]
    public async Task ChildProcessOnTheSharedPort_WithNoScopeOpen_IsRefusedAndFailsTheFixture(RecordMode mode)
    {
        // No cassette can take it: sent on, it would reach the network unrecorded, in Replay mode too.
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(mode));

        var curl = await Curl.RunAsync("-q", "--silent", "--max-time", "20", "-w", "\n%{http_code}", "-x", fixture.Proxy.Url.ToString(), server.Url + "/no-scope");

        Assert.EndsWith("\n500", curl.Stdout, StringComparison.Ordinal);
        Assert.Contains("came to the proxy's shared port while no cassette was open", curl.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, server.Requests);
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await fixture.DisposeAsync()); // or the next scope to end, as for every refused request
        Assert.Contains($"MitmFixture refused GET {server.Url}/no-scope: it came to the proxy's shared port while no cassette was open", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ChildProcessOnTheSharedPort_WithNoScopeOpen_InPassthrough_GoesOn()
    {
        await using var server = new CountingServer();
        var fixture = await TestFixtureOptions.StartAsync(Options(RecordMode.Passthrough));

        var curl = await Curl.RunAsync("-q", "--silent", "--max-time", "20", "-x", fixture.Proxy.Url.ToString(), server.Url + "/passthrough");

        Assert.True(curl.ExitCode == 0, curl.Stderr);
        Assert.Equal(1, server.Requests);
        await fixture.DisposeAsync(); // nothing refused, nothing to report
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
