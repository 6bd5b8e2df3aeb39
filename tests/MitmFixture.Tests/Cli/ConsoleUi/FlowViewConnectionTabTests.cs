using MitmFixture.Cassettes;
using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>The flow view's Connection tab (mitmproxy's "Detail"): live TLS flows through a real proxy, and the same flow loaded from a cassette.</summary>
public class FlowViewConnectionTabTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An HTTPS GET through the console's proxy to a real Kestrel server, as the console lists it.</summary>
    private static async Task<Flow> RecordTlsFlowAsync(ConsoleHarness console, TestUpstream upstream)
    {
        await console.Proxy.CreateClient().GetStringAsync(upstream.HttpsUrl + "/echo/conn", Ct);
        return await console.WaitForFlowAsync(f => f.Response is not null && f.Request.Path.StartsWith("/echo/conn", StringComparison.Ordinal));
    }

    private static void AssertShowsConnection(string screen, Flow flow, TestUpstream upstream)
    {
        Assert.Contains("── Client connection ──", screen);
        Assert.Contains("── Server connection ──", screen);
        Assert.Contains("── Server certificate ──", screen);
        Assert.Contains(flow.Client.PeerAddress!.ToString(), screen);
        Assert.Contains($"localhost:{upstream.HttpsPort}", screen);
        Assert.Contains(flow.Server.PeerAddress!.ToString(), screen); // resolved
        Assert.Matches(@"SNI\s+localhost", screen);
        Assert.Contains(flow.Client.TlsVersion!, screen);
        Assert.Contains(flow.Server.Cipher!, screen);
        Assert.Contains(flow.Server.Certificate!.Sha256, screen);
        Assert.Contains(flow.Server.Certificate.Subject, screen);
        Assert.Contains("Server conn. TLS setup", screen);
    }

    [Fact]
    public async Task ConnectionTab_LiveTlsFlow_ShowsBothSidesAndTheServerCertificate()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        var flow = await RecordTlsFlowAsync(console, upstream);
        Assert.True(flow.Client.TlsEstablished && flow.Server.TlsEstablished);

        console.Press(Keys.Enter, Keys.Tab);

        var view = Assert.IsType<FlowViewScreen>(console.App.Current);
        Assert.Same(flow, view.Flow);
        Assert.Equal(FlowTab.Connection, view.Tab);
        AssertShowsConnection(console.ScreenText(120, 60), flow, upstream);
    }

    [Fact]
    public async Task ConnectionTab_FlowLoadedFromACassette_ShowsWhatWasRecorded()
    {
        await using var upstream = await TestUpstream.StartAsync();
        Flow live;
        string path;
        await using (var recording = await ConsoleHarness.StartAsync(upstream))
        {
            live = await RecordTlsFlowAsync(recording, upstream);
            path = Path.Combine(Path.GetTempPath(), $"mitmfixture-conn-{Guid.NewGuid():N}.json");
            Cassette.Save(path, [live]);
        }

        try
        {
            var loaded = Assert.Single(Cassette.Load(path).Flows);
            await using var console = await ConsoleHarness.StartAsync(loaded: [loaded]);
            console.Press(Keys.Enter, Keys.Tab);

            Assert.Equal(FlowTab.Connection, Assert.IsType<FlowViewScreen>(console.App.Current).Tab);
            AssertShowsConnection(console.ScreenText(120, 60), live, upstream);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ConnectionTab_PlainHttpFlow_HasNoTlsLinesAndServerSideAddress()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://api.test/").Respond(200, "ok")]);
        console.Press(Keys.Enter, Keys.Tab);

        var screen = console.ScreenText(120, 60);
        Assert.Contains("api.test:80", screen);
        Assert.DoesNotContain("SNI", screen);
        Assert.DoesNotContain("Cipher", screen);
        Assert.DoesNotContain("Server certificate", screen);
    }

    [Fact]
    public async Task ConnectionTab_HostileSni_IsEscapedNotSentToTheTerminal()
    {
        var flow = TestFlows.Get("https://api.test/").Respond(200, "ok");
        flow.Client.TlsEstablished = true;
        flow.Client.Sni = "evil\u001b]0;owned\u0007host";
        await using var console = await ConsoleHarness.StartAsync(loaded: [flow]);
        console.Press(Keys.Enter, Keys.Tab);

        var screen = console.ScreenText(120, 60);
        Assert.Contains("evil\\x1b]0;owned\\x07host", screen);
        Assert.DoesNotContain('\u001b', screen);
    }

    [Fact]
    public async Task Edit_OnTheConnectionTab_SaysItIsReadOnly()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://api.test/").Respond(200, "ok")]);
        console.Press(Keys.Enter, Keys.Tab).Keys("e");

        Assert.Contains("read-only", console.Screen()[^1]);
        Assert.Null(console.App.Prompt);
        console.Keys("m"); // not waiting for a part to edit: m is the view mode key again
        Assert.Equal(MitmFixture.Content.ViewMode.Raw, Assert.IsType<FlowViewScreen>(console.App.Current).Mode);
    }
}
