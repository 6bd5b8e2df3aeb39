using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;
using Spectre.Console;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>The console's interception, replay and live options against a real proxy and a real Kestrel server.</summary>
public class ConsoleInterceptionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SeedWalkthrough_InterceptEditMethodAccept_ServerGetsTheNewMethod()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var client = console.Proxy.CreateClient();
        console.Keys("i~q").Press(Keys.Enter);

        var answer = client.GetStringAsync(upstream.HttpUrl + "/echo/walkthrough", Ct);
        var flow = await console.WaitForFlowAsync(f => f.Intercepted);
        Assert.Equal(0, upstream.Requests);
        var row = console.Lines().First(l => l.Text.Contains("/echo/walkthrough", StringComparison.Ordinal));
        Assert.True(row.HasStyled("/echo/walkthrough", Color.Orange1), "an intercepted flow is drawn in orange");
        Assert.Contains("[1 paused]", console.Screen()[^2]);

        console.Press(Keys.Enter).Keys("em").Press(Keys.Control('u')).Keys("OPTIONS").Press(Keys.Enter).Keys("a");
        var echoed = await answer.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.StartsWith("OPTIONS /echo/walkthrough", echoed);
        Assert.False(flow.Intercepted);
    }

    [Fact]
    public async Task PausedFlow_DoesNotBlockOtherConnections_CapitalAAcceptsAll()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        console.Keys("i~q & ~u /paused").Press(Keys.Enter); // ~q: a filter on the URL alone would pause the responses too
        var paused = console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/paused/1", Ct);
        var paused2 = console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/paused/2", Ct);
        await console.WaitForFlowAsync(f => f.Intercepted && f.Request.Path.EndsWith("/2", StringComparison.Ordinal));

        var free = await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/free", Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.StartsWith("GET /echo/free", free);
        Assert.False(paused.IsCompleted);

        console.Keys("A");
        Assert.StartsWith("GET /echo/paused/1", await paused.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.StartsWith("GET /echo/paused/2", await paused2.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task InterceptedResponse_EditStatusThenAccept_ClientGetsTheEditedResponse()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        console.Keys("i~s").Press(Keys.Enter);
        var response = console.Proxy.CreateClient().GetAsync(upstream.HttpUrl + "/status/200", Ct);
        await console.WaitForFlowAsync(f => f.Intercepted && f.Response is not null);
        Assert.Equal(1, upstream.Requests);

        console.Press(Keys.Enter);
        Assert.Equal(FlowTab.Response, Assert.IsType<FlowViewScreen>(console.App.Current).Tab);
        console.Keys("ec").Press(Keys.Control('u')).Keys("299").Press(Keys.Enter).Keys("a");
        var answered = await response.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(299, (int)answered.StatusCode);
        Assert.Equal("status 200", await answered.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task X_KillsAPausedRequest_TheServerNeverSeesIt()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        console.Keys("i~q").Press(Keys.Enter);

        // curl, not HttpClient: HttpClient sends a GET again when its connection closes unanswered.
        var curl = Curl.RunAsync("-x", console.Proxy.Proxy.Url.ToString(), upstream.HttpUrl + "/echo/killed");
        var flow = await console.WaitForFlowAsync(f => f.Intercepted);
        console.Keys("x");
        var result = await curl.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Empty reply", result.Stderr);
        Assert.True(flow.Killed);
        Assert.Equal(0, upstream.Requests);
        Assert.Contains("Connection killed", console.ScreenText());
    }

    [Fact]
    public async Task D_OnALiveFlow_KillsIt_SoItCannotBePausedOutOfSight()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var curl = Curl.RunAsync("-x", console.Proxy.Proxy.Url.ToString(), upstream.HttpUrl + "/slow/2000");
        var flow = await console.WaitForFlowAsync(f => f.Live);
        console.Keys("i~s").Press(Keys.Enter); // would pause its response once it comes

        console.Keys("d");
        Assert.True(flow.Killed);
        Assert.NotEqual(0, (await curl).ExitCode);
        Assert.False(flow.Intercepted);
    }

    [Fact]
    public async Task Z_KillsLiveFlowsTheListHasNotShownYet()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var curl = Curl.RunAsync("-x", console.Proxy.Proxy.Url.ToString(), upstream.HttpUrl + "/slow/2000");
        await Eventually.TrueAsync(() => console.Proxy.Proxy.Flows.Count == 1); // in the store, not synced into the list
        var flow = console.Proxy.Proxy.Flows.Snapshot()[0];

        console.Keys("z");
        Assert.True(flow.Killed);
        Assert.NotEqual(0, (await curl).ExitCode);
    }

    [Fact]
    public async Task R_ReplaysTheFocusedFlow_AsANewFlowMarkedReplayed()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/again", Ct);
        await console.WaitForFlowAsync(f => !f.Live);

        console.Keys("r");
        var replayed = await console.WaitForFlowAsync(f => f.Replay == ReplayKind.Request && !f.Live);
        Assert.Equal(200, replayed.Response?.StatusCode);
        Assert.Equal(2, upstream.Requests);
        var rows = console.Screen().SkipLast(2).Where(l => l.Contains("/echo/again", StringComparison.Ordinal)).ToList(); // not the status and message lines
        Assert.Equal(2, rows.Count);
        Assert.Contains("↻", rows[1]);
        Assert.DoesNotContain("↻", rows[0]);
    }

    [Fact]
    public async Task R_OnAnOldFlow_TheReplayHasItsOwnTimesAndDuration()
    {
        await using var upstream = await TestUpstream.StartAsync();
        var recorded = TestFlows.Get(upstream.HttpUrl + "/echo/old").Respond(200, "old"); // started in 2024
        await using var console = await ConsoleHarness.StartAsync(upstream, loaded: [recorded]);
        var before = DateTimeOffset.UtcNow;

        console.Keys("r");
        var replayed = await console.WaitForFlowAsync(f => f.Replay == ReplayKind.Request && !f.Live);
        Assert.True(replayed.Request.TimestampStart >= before, $"the replay started at {replayed.Request.TimestampStart}");
        Assert.True(replayed.Response!.TimestampEnd - replayed.Request.TimestampStart < TimeSpan.FromMinutes(1), "the duration is the replay's: " + MitmFixture.Cli.Output.FlowLine.Duration(replayed));
        Assert.Equal(TestFlows.Start, recorded.Request.TimestampStart);
    }

    [Fact]
    public async Task ReplacementPatterns_EditedInOptions_ApplyToTheNextResponse()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        console.Keys("oR");
        var grid = Assert.IsType<GridEditorScreen>(console.App.Current);
        Assert.Empty(grid.Rows);
        console.Keys("a").Press(Keys.Enter).Keys("~s").Press(Keys.Tab, Keys.Enter).Keys("status").Press(Keys.Tab, Keys.Enter).Keys("STATUS").Press(Keys.Enter, Keys.Escape);
        Assert.IsType<OptionsScreen>(console.App.Current);
        Assert.Contains("~s", console.ScreenText());

        var body = await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/status/200", Ct);
        Assert.Equal("STATUS 200", body);
        console.Keys("q");
        Assert.Contains("[replacements:1]", console.Screen()[^2]);
    }

    [Fact]
    public async Task ReplacementPatterns_WithABadRegex_NameTheRow()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.Keys("oRa").Press(Keys.Enter).Keys("~s").Press(Keys.Tab, Keys.Enter).Keys("(unclosed").Press(Keys.Enter, Keys.Escape);
        Assert.IsType<GridEditorScreen>(console.App.Current);
        Assert.Contains("row 1:", console.Screen()[^1]);
        Assert.Empty(console.App.Backend.Replacements.Specs);
    }

    [Fact]
    public async Task Edit_ALiveFlowNotPaused_IsRefused()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var slow = console.Proxy.CreateClient().GetAsync(upstream.HttpUrl + "/slow/3000", Ct);
        var flow = await console.WaitForFlowAsync(f => f.Live);
        console.Press(Keys.Enter).Keys("e");
        Assert.Contains("still being processed", console.Screen()[^1]);
        Assert.False(Assert.IsType<FlowViewScreen>(console.App.Current).EditPending);
        Assert.Equal("GET", flow.Request.Method);
        (await slow).Dispose();
    }
}
