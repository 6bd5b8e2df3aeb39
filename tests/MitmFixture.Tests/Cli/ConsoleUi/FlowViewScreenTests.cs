using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class FlowViewScreenTests
{
    private static async Task<(ConsoleHarness Console, FlowViewScreen View)> OpenAsync(Flow flow, string editor = "false")
    {
        var console = await ConsoleHarness.StartAsync(editor: editor, loaded: [flow]);
        console.Press(Keys.Enter);
        return (console, Assert.IsType<FlowViewScreen>(console.App.Current));
    }

    private static Flow Answered() =>
        TestFlows.Send("POST", "http://api.test/items?page=2&sort=name", "{\"name\":\"pen\"}", "application/json", ("X-Trace", "abc"))
            .Respond(201, "{\"id\":7,\"name\":\"pen\"}", "application/json");

    [Fact]
    public async Task Open_ShowsSummaryTabsHeadersAndBody()
    {
        var (console, _) = await OpenAsync(Answered());
        await using var _ = console;
        var screen = console.ScreenText();
        Assert.Contains("http://api.test/items?page=2&sort=name", screen);
        Assert.Contains(" Request ", screen);
        Assert.Contains(" Response ", screen);
        Assert.Contains("HTTP/1.1 201 Created", screen);
        Assert.Contains("Content-Type: application/json", screen);
        Assert.Contains("\"id\": 7", screen);
        Assert.Contains("[m:pretty]", screen);
    }

    [Fact]
    public async Task Tab_CyclesResponseConnectionRequest_LeftGoesBack()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        Assert.Equal(FlowTab.Response, view.Tab);
        console.Press(Keys.Tab);
        Assert.Equal(FlowTab.Connection, view.Tab);
        console.Press(Keys.Tab);
        Assert.Equal(FlowTab.Request, view.Tab);
        var screen = console.ScreenText();
        Assert.Contains("POST http://api.test/items?page=2&sort=name HTTP/1.1", screen);
        Assert.Contains("X-Trace: abc", screen);
        console.Press(Keys.Tab);
        Assert.Equal(FlowTab.Response, view.Tab);
        console.Press(Keys.Left);
        Assert.Equal(FlowTab.Request, view.Tab);
        console.Press(Keys.Left);
        Assert.Equal(FlowTab.Connection, view.Tab);
    }

    [Fact]
    public async Task M_CyclesPrettyRawHex()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("m");
        Assert.Equal(ViewMode.Raw, view.Mode);
        Assert.Contains("{\"id\":7,\"name\":\"pen\"}", console.ScreenText());
        console.Keys("m");
        Assert.Equal(ViewMode.Hex, view.Mode);
        Assert.Contains("7b 22 69 64", console.ScreenText());
        Assert.Contains("[m:hex]", console.ScreenText());
        console.Keys("m");
        Assert.Equal(ViewMode.Pretty, view.Mode);
    }

    [Fact]
    public async Task EditMethod_PromptPrefilled_ControlUThenTypeChangesIt()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("em");
        Assert.Equal("POST", console.App.Prompt?.Editor.Text);
        Assert.Contains("Method: POST", console.Screen()[^1]);
        console.Press(Keys.Control('u')).Keys("OPTIONS").Press(Keys.Enter);
        Assert.Equal("OPTIONS", view.Flow.Request.Method);
        Assert.Null(console.App.Prompt);
    }

    [Fact]
    public async Task EditMethod_UnderAViewFilterOnIt_TheFlowLeavesTheList()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [Answered(), TestFlows.Get("http://api.test/other").Respond(200, "ok")]);
        console.Keys("f~m POST").Press(Keys.Enter);
        Assert.Single(console.App.Flows.Visible);
        console.Lines(); // a redraw or two with the answers kept
        console.Press(Keys.Enter).Keys("em").Press(Keys.Control('u')).Keys("PUT").Press(Keys.Enter);
        Assert.Empty(console.App.Flows.Visible);
        console.Keys("q");
        Assert.Contains("No flow matches the view filter", console.ScreenText());
    }

    [Fact]
    public async Task EditMethod_Invalid_KeepsThePromptWithTheReason()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("em").Press(Keys.Control('u')).Keys("GE T").Press(Keys.Enter);
        Assert.Contains("is not a method", console.App.Prompt?.Error);
        Assert.Equal("POST", view.Flow.Request.Method);
        console.Press(Keys.Escape);
        Assert.Null(console.App.Prompt);
        Assert.Equal("POST", view.Flow.Request.Method);
    }

    [Fact]
    public async Task EditUrl_LongUrlOnANarrowTerminal_WhatIsTypedStaysInView()
    {
        var (console, _) = await OpenAsync(TestFlows.Get("http://api.test/search?" + string.Join("&", Enumerable.Range(0, 20).Select(i => $"key{i}=value{i}"))).Respond(200, "ok"));
        await using var _ = console;
        console.Keys("eu").Keys("&typed=XYZ");
        var prompt = console.Screen(60, 12)[^1];
        Assert.StartsWith("URL: …", prompt);
        Assert.Contains("&typed=XYZ", prompt);
    }

    [Fact]
    public async Task EditUrl_SetsSchemeHostPortPathAndHost()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("eu");
        Assert.Equal("http://api.test/items?page=2&sort=name", console.App.Prompt?.Editor.Text);
        console.Press(Keys.Control('u')).Keys("https://other.test:8443/v2?x=1").Press(Keys.Enter);
        var request = view.Flow.Request;
        Assert.Equal(("https", "other.test", 8443, "/v2?x=1"), (request.Scheme, request.Host, request.Port, request.Path));
        Assert.Equal("other.test:8443", request.Headers.Get("Host"));
        console.Keys("eu").Press(Keys.Control('u')).Keys("not a url").Press(Keys.Enter);
        Assert.Contains("is not an absolute http or https URL", console.App.Prompt?.Error);
    }

    [Fact]
    public async Task EditStatusCode_OnTheResponseTab_SetsCodeAndReason()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("ec");
        Assert.Equal("201", console.App.Prompt?.Editor.Text);
        console.Press(Keys.Control('u')).Keys("418").Press(Keys.Enter);
        Assert.Equal(418, view.Flow.Response!.StatusCode);
        Assert.Contains("418", console.ScreenText());
        console.Keys("ec").Press(Keys.Control('u')).Keys("99").Press(Keys.Enter);
        Assert.Contains("100 to 999", console.App.Prompt?.Error);
    }

    [Fact]
    public async Task EditHeaders_OpensTheGridWithTheCurrentTabsHeaders()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Press(Keys.Left).Keys("eh");
        var grid = Assert.IsType<GridEditorScreen>(console.App.Current);
        Assert.Contains(grid.Rows, r => r[0] == "X-Trace" && r[1] == "abc");
        console.Keys("a").Press(Keys.Enter).Keys("X-New").Press(Keys.Escape).Keys("l").Press(Keys.Enter).Keys("yes").Press(Keys.Escape);
        console.Press(Keys.Escape);
        Assert.IsType<FlowViewScreen>(console.App.Current);
        Assert.Equal("yes", view.Flow.Request.Headers.Get("X-New"));
        Assert.Equal("abc", view.Flow.Request.Headers.Get("X-Trace"));
    }

    [Fact]
    public async Task EditQuery_GridOfParameters_WritesThePathBack()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("eq");
        var grid = Assert.IsType<GridEditorScreen>(console.App.Current);
        Assert.Equal([["page", "2"], ["sort", "name"]], grid.Rows.Select(r => r.ToArray()));
        console.Keys("d").Keys("l").Press(Keys.Enter).Press(Keys.Control('u')).Keys("a b&c").Press(Keys.Enter).Press(Keys.Escape);
        Assert.Equal("/items?sort=a%20b%26c", view.Flow.Request.Path);
    }

    [Fact]
    public async Task EditForm_OnANonFormRequest_StartsEmpty_AndSetsAFormBody()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("ef");
        var grid = Assert.IsType<GridEditorScreen>(console.App.Current);
        Assert.Empty(grid.Rows);
        console.Press(Keys.Enter).Keys("user").Press(Keys.Tab).Press(Keys.Enter).Keys("ann").Press(Keys.Enter).Press(Keys.Escape);
        Assert.Equal("application/x-www-form-urlencoded", view.Flow.Request.ContentType);
        Assert.Equal("user=ann", view.Flow.Request.Text);
    }

    [Fact]
    public async Task EditBody_RunsTheExternalEditorOnTheDecodedBody()
    {
        var (console, view) = await OpenAsync(Answered(), editor: "sed -i s/pen/pencil/");
        await using var _ = console;
        console.Keys("eb");
        Assert.Equal("{\"id\":7,\"name\":\"pencil\"}", view.Flow.Response!.Text);
        Assert.Contains("Body set", console.Screen()[^1]);
    }

    [Fact]
    public async Task EditBody_BinarySavedUnchanged_KeepsEveryByte()
    {
        byte[] binary = [0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x0a, 0xe9];
        var flow = TestFlows.Get("http://api.test/logo").Respond(200, binary, ("Content-Type", "application/octet-stream"));
        var (console, view) = await OpenAsync(flow, editor: "true");
        await using var _ = console;
        console.Keys("eb");
        Assert.Equal(binary, view.Flow.Response!.Body);
        Assert.Contains("Body unchanged", console.Screen()[^1]);
    }

    [Fact]
    public async Task EditBody_TheFinalNewlineAnEditorAdds_IsNotAChange()
    {
        var (console, view) = await OpenAsync(Answered(), editor: "printf '\\n' >>");
        await using var _ = console;
        console.Keys("eb");
        Assert.Equal("{\"id\":7,\"name\":\"pen\"}", view.Flow.Response!.Text);
        Assert.Contains("Body unchanged", console.Screen()[^1]);
    }

    [Fact]
    public async Task EditBody_EditorFails_LeavesTheBodyAlone()
    {
        var (console, view) = await OpenAsync(Answered(), editor: "false");
        await using var _ = console;
        console.Keys("eb");
        Assert.Equal("{\"id\":7,\"name\":\"pen\"}", view.Flow.Response!.Text);
        Assert.Contains("'false' exited with code 1; nothing was changed", console.Screen()[^1]);
    }

    [Fact]
    public async Task EditBody_EditorNotFound_SaysSoAndLogsIt()
    {
        var (console, view) = await OpenAsync(Answered(), editor: "no-such-editor-here");
        await using var _ = console;
        console.Keys("eb");
        Assert.Equal("{\"id\":7,\"name\":\"pen\"}", view.Flow.Response!.Text);
        Assert.Contains("'no-such-editor-here' was not found", console.Screen()[^1]);
        Assert.Contains(console.App.Events.Snapshot(), e => e.Text.Contains("no-such-editor-here", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EditThenQuestionMarkOrCapitalQ_IsNotAPart_NothingElseHappens()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("e?");
        Assert.Same(view, console.App.Current);
        Assert.False(view.EditPending);
        console.Keys("eQ");
        Assert.False(console.App.QuitRequested);
        Assert.False(view.EditPending);
    }

    [Fact]
    public async Task EditThenEscape_ChangesNothing()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("e").Press(Keys.Escape).Keys("m");
        Assert.Null(console.App.Prompt);
        Assert.Equal(ViewMode.Raw, view.Mode); // m after the cancelled edit is the view mode key again
    }

    [Fact]
    public async Task Edit_ResponsePartsWithoutResponse_SaysThereIsNone()
    {
        var (console, _) = await OpenAsync(TestFlows.Get("http://api.test/").Fail("refused"));
        await using var _ = console;
        console.Press(Keys.Tab).Keys("ec");
        Assert.Contains("no response", console.Screen()[^1]);
    }

    [Fact]
    public async Task I_SetsTheInterceptionPattern_FromTheFlowView()
    {
        var (console, view) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("i~q").Press(Keys.Enter);
        Assert.Equal("~q", console.Intercept.Expression);
        Assert.Same(view, console.App.Current);
        console.Keys("i").Press(Keys.Control('u'), Keys.Enter);
        Assert.Null(console.Intercept.Expression);
    }

    [Fact]
    public async Task QuestionMark_ShowsTheFlowViewKeys()
    {
        var (console, _) = await OpenAsync(Answered());
        await using var _ = console;
        console.Keys("?");
        var text = console.ScreenText(height: 60);
        Assert.Contains("Help: Flow view", text);
        Assert.Contains("next view mode", text);
        Assert.DoesNotContain("Filter expressions", text);
        console.Press(Keys.Escape);
        Assert.IsType<FlowViewScreen>(console.App.Current);
    }

    [Fact]
    public async Task WebSocketFlow_ResponseTabListsTheMessagesBothWays()
    {
        var (console, _) = await OpenAsync(TestFlows.TWebSocketFlow());
        await using var _ = console;
        var screen = console.ScreenText();
        Assert.Contains("WebSocket: 3 messages", screen);
        Assert.Contains("→ hello text", screen);
        Assert.Contains("← it's me", screen);
        Assert.Contains("[binary, 12 bytes]", screen);
    }

    [Fact]
    public async Task LongBody_ScrollsWithJAndSpace()
    {
        var body = string.Join("\n", Enumerable.Range(1, 200).Select(i => $"line {i}"));
        var (console, view) = await OpenAsync(TestFlows.Get("http://api.test/long").Respond(200, body));
        await using var _ = console;
        Assert.DoesNotContain("line 100", console.ScreenText());
        console.Keys("G");
        Assert.Contains("line 200", console.ScreenText());
        console.Keys("g");
        Assert.Equal(0, view.Scroll);
        console.Keys("j ");
        Assert.True(view.Scroll > 1);
    }
}
