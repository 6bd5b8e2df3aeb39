using MitmFixture.Cassettes;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class FlowListScreenTests
{
    private static Flow[] ThreeFlows() =>
    [
        TestFlows.Get("http://one.test/a").Respond(200, "{\"a\":1}", "application/json"),
        TestFlows.PostJson("http://two.test/b", "{}").Respond(404, "missing"),
        TestFlows.Get("http://three.test/c").Fail("connection refused"),
    ];

    [Fact]
    public async Task Rows_ShowMethodUrlStatusSizeInOrder()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        var screen = console.Screen();
        Assert.StartsWith(">>", screen[0]);
        Assert.Contains("GET", screen[0]);
        Assert.Contains("http://one.test/a", screen[0]);
        Assert.Contains("200 application/json", screen[0]);
        Assert.Contains("7b", screen[0]);
        Assert.Contains("30ms", screen[0]);
        Assert.Contains("POST", screen[1]);
        Assert.Contains("404", screen[1]);
        Assert.Contains("connection refused", screen[2]);
    }

    [Fact]
    public async Task JAndK_AndArrows_MoveTheFocus()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("jj");
        Assert.Equal(2, console.App.Flows.FocusIndex);
        console.Keys("j");
        Assert.Equal(2, console.App.Flows.FocusIndex);
        console.Press(Keys.Up);
        Assert.Equal(1, console.App.Flows.FocusIndex);
        console.Keys("k").Press(Keys.Up);
        Assert.Equal(0, console.App.Flows.FocusIndex);
        console.Keys("G");
        Assert.Equal(2, console.App.Flows.FocusIndex);
        Assert.StartsWith(">>", console.Screen()[2]);
    }

    [Fact]
    public async Task Enter_OpensTheFocusedFlow_QGoesBack()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("j").Press(Keys.Enter);
        var view = Assert.IsType<FlowViewScreen>(console.App.Current);
        Assert.Equal("http://two.test/b", view.Flow.Request.Url);
        console.Keys("q");
        Assert.IsType<FlowListScreen>(console.App.Current);
    }

    [Fact]
    public async Task D_DeletesTheFocusedFlow_Z_ClearsAll()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("jd");
        Assert.Equal(["http://one.test/a", "http://three.test/c"], console.App.Flows.All.Select(f => f.Request.Url));
        Assert.Equal("http://three.test/c", console.App.Flows.Focused?.Request.Url);
        console.Keys("z");
        Assert.Empty(console.App.Flows.All);
        Assert.Contains("No flows yet", console.Screen()[0]);
    }

    [Theory]
    [InlineData("z")]
    [InlineData("d")]
    public async Task ZAndD_ForgetTheFlows_SoTheirBodiesCanBeFreed(string key)
    {
        await using var console = await ConsoleHarness.StartAsync();
        var flow = LoadABigFlow(console.App);
        console.Keys(key);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(flow.IsAlive, "the console still holds the flow it no longer lists");
    }

    /// <summary>Not inlined, so no local of the test keeps the flow alive.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference LoadABigFlow(ConsoleApp app)
    {
        var flow = TestFlows.Get("http://big.test/").Respond(200, new string('x', 1_000_000));
        app.Load([flow]);
        return new WeakReference(flow);
    }

    [Fact]
    public async Task D_ADeletedLiveFlow_DoesNotComeBack()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/once", TestContext.Current.CancellationToken);
        await console.WaitForFlowAsync(f => !f.Live);
        console.Keys("d");
        console.App.Sync();
        Assert.Empty(console.App.Flows.All);
    }

    [Fact]
    public async Task F_SetsTheViewFilter_ShownInTheStatusBar_AndPrefilledNextTime()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("f~m POST").Press(Keys.Enter);
        Assert.Equal(["http://two.test/b"], console.App.Flows.Visible.Select(f => f.Request.Url));
        var screen = console.Screen();
        Assert.Contains("[f:~m POST]", screen[^2]);
        Assert.Contains("[1/1 of 3]", screen[^2]);
        console.Keys("f");
        Assert.Equal("~m POST", console.App.Prompt?.Editor.Text);
        console.Press(Keys.Control('u'), Keys.Enter);
        Assert.Null(console.App.Flows.Filter);
        Assert.Equal(3, console.App.Flows.Visible.Count);
    }

    [Fact]
    public async Task F_WithABadFilter_KeepsThePromptAndSaysWhy()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("f~nonsense").Press(Keys.Enter);
        Assert.NotNull(console.App.Prompt);
        Assert.NotNull(console.App.Prompt!.Error);
        Assert.Contains("Filter: ~nonsense", console.Screen()[^1]);
        console.Press(Keys.Escape);
        Assert.Null(console.App.Prompt);
        Assert.Null(console.App.Flows.Filter);
    }

    [Fact]
    public async Task I_SetsTheInterceptionPattern_ShownInTheStatusBar()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.Keys("i~q").Press(Keys.Enter);
        Assert.Equal("~q", console.Intercept.Expression);
        Assert.Contains("[i:~q]", console.Screen()[^2]);
        console.Keys("i").Press(Keys.Control('u'), Keys.Enter);
        Assert.Null(console.Intercept.Expression);
        Assert.DoesNotContain("[i:", console.Screen()[^2]);
    }

    [Fact]
    public async Task W_SavesTheListedFlowsToACassette()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        var path = Path.Combine(console.Directory, "subset.json");
        console.Keys("f!~m POST").Press(Keys.Enter).Keys("w");
        Assert.Equal(console.App.Backend.SavePath, console.App.Prompt?.Editor.Text);
        console.Press(Keys.Control('u')).Keys(path).Press(Keys.Enter);
        Assert.Null(console.App.Prompt);
        var saved = Cassette.Load(path);
        Assert.Equal(["http://one.test/a", "http://three.test/c"], saved.Flows.Select(f => f.Request.Url));
        Assert.Contains("Saved 2 flows", console.Screen()[^1]);
    }

    [Fact]
    public async Task W_ExpandsATildeAsAShellWould()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        var expanded = Path.Combine(console.App.Backend.HomeDirectory, "saved.json");
        Assert.Equal(console.Directory, console.App.Backend.HomeDirectory); // the harness's own folder, not the real home

        console.Keys("w").Press(Keys.Control('u')).Keys("~/saved.json").Press(Keys.Enter);

        Assert.Equal(3, Cassette.Load(expanded).Flows.Count);
    }

    [Fact]
    public async Task W_ToAnUnwritablePlace_SaysWhyAndKeepsThePrompt()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("w").Press(Keys.Control('u')).Keys("/proc/no/such/dir/x.json").Press(Keys.Enter);
        Assert.Contains("cannot save", console.App.Prompt?.Error);
    }

    [Fact]
    public async Task E_TogglesTheEventLogPane()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.App.Events.Error("upstream certificate rejected for bad.test");
        Assert.DoesNotContain(console.Screen(), l => l.Contains("Event log"));
        console.Keys("e");
        var screen = console.Screen();
        Assert.Contains(screen, l => l.Contains("Event log"));
        Assert.Contains(screen, l => l.Contains("upstream certificate rejected for bad.test"));
        console.Keys("e");
        Assert.DoesNotContain(console.Screen(), l => l.Contains("Event log"));
    }

    [Fact]
    public async Task EventLogPane_SitsAtTheBottom_NotUnderTheLastFlow()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("e");
        var screen = console.Screen(120, 30);
        var pane = screen.ToList().FindIndex(l => l.Contains("Event log", StringComparison.Ordinal));
        Assert.True(pane > 15, $"the pane starts at row {pane}");
        Assert.True(string.IsNullOrWhiteSpace(screen[3]), "rows between the flows and the pane stay empty");
    }

    [Fact]
    public async Task EventLog_ShowsWhatIsNotAFlow_NotEveryFinishedFlow()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/echo/fine", TestContext.Current.CancellationToken);
        await using (var raw = await RawClient.ConnectAsync(console.Proxy.Proxy.Port))
        {
            await raw.SendAsync("NOT HTTP AT ALL\r\n\r\n");
            Assert.Contains("400", await raw.ReadAsync("\r\n"));
        }

        await Eventually.TrueAsync(() => console.App.Events.Snapshot().Any(e => e.Text.Contains("malformed", StringComparison.Ordinal)));
        Assert.DoesNotContain(console.App.Events.Snapshot(), e => e.Text.Contains("/echo/fine", StringComparison.Ordinal));
        console.Keys("e");
        Assert.Contains(console.Screen(), l => l.Contains("malformed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EventLog_ShowsAClientThatRefusesTheProxyCertificate()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var curl = await Curl.RunAsync("-x", console.Proxy.Proxy.Url.ToString(), upstream.HttpsUrl + "/echo/untrusted"); // no --cacert
        Assert.NotEqual(0, curl.ExitCode);

        await Eventually.TrueAsync(() => console.App.Events.Snapshot().Any(e => e.Text.Contains("TLS handshake for localhost failed", StringComparison.Ordinal)));
        var refused = console.App.Events.Snapshot().First(e => e.Text.Contains("TLS handshake for localhost failed", StringComparison.Ordinal));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, refused.Level);
        Assert.Contains("the client does not trust the proxy's certificate (", refused.Text, StringComparison.Ordinal); // curl's alert: unknown ca
        Assert.DoesNotContain(console.App.Events.Snapshot(), e => e.Text.Contains("connected", StringComparison.Ordinal)); // other Debug events stay out
    }

    [Fact]
    public async Task QuestionMark_ShowsTheListKeysAndFilterSyntax()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.Keys("?");
        var help = Assert.IsType<HelpScreen>(console.App.Current);
        var text = string.Join("\n", console.Screen(height: 200));
        Assert.Contains("Help: Flow list", text);
        Assert.Contains("set the interception filter", text);
        Assert.Contains("Filter expressions", text);
        Assert.Contains("~q", text);
        console.Keys("q");
        Assert.IsType<FlowListScreen>(console.App.Current);
        Assert.NotNull(help);
    }

    [Fact]
    public async Task Q_AsksBeforeQuitting_NKeepsRunning_YQuits()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.Keys("q");
        Assert.Contains("Quit mitmfixture? (y/n)", console.Screen()[^1]);
        console.Keys("n");
        Assert.False(console.App.QuitRequested);
        console.Keys("qy");
        Assert.True(console.App.QuitRequested);
    }

    [Fact]
    public async Task CapitalQ_AndControlC_QuitAtOnce()
    {
        await using (var console = await ConsoleHarness.StartAsync())
        {
            console.Keys("Q");
            Assert.True(console.App.QuitRequested);
        }

        await using (var console = await ConsoleHarness.StartAsync())
        {
            console.Press(Keys.Control('c'));
            Assert.True(console.App.QuitRequested);
        }
    }

    [Fact]
    public async Task StatusBar_ShowsCountFeaturesAndBindAddress()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        var status = console.Screen()[^2];
        Assert.Contains("[1/3]", status);
        Assert.Contains("[anticache]", status);
        Assert.Contains($"listening 127.0.0.1:{console.Proxy.Proxy.Port}", status);
    }

    [Fact]
    public async Task StatusBar_LongPatterns_AreCut_TheBindAddressStays()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: ThreeFlows());
        console.Keys("i~q & ~d api.example.com & ~u /some/long/path").Press(Keys.Enter);
        console.Keys("f~u /another/long/path | ~d example.com").Press(Keys.Enter);
        var status = console.Screen(80, 10)[^2];
        Assert.Contains($"listening 127.0.0.1:{console.Proxy.Proxy.Port}", status);
        Assert.Contains("[i:~q & ~d api.example.com", status);
        Assert.Contains("…", status);
        Assert.Contains("Flow list", console.Screen(200, 10)[^2]); // the title when there is room
    }
}
