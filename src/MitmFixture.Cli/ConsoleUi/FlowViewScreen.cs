using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>Which part of a flow the flow view shows, in the order Tab cycles through them.</summary>
internal enum FlowTab
{
    Request,
    Response,

    /// <summary>The client and server connections (mitmproxy's console calls this tab "Detail").</summary>
    Connection,
}

/// <summary>
/// One flow: a summary line, Request/Response/Connection tabs (Tab cycles), headers and the body in the
/// chosen view mode (<c>m</c>: pretty, raw, hex). <c>e</c> then a letter edits a part of the flow.
/// </summary>
internal sealed class FlowViewScreen : Screen
{
    private static readonly KeyHelp[] Keys =
    [
        new("Tab ← →", "next / previous tab: Request, Response, Connection"),
        new("m", "next view mode: pretty, raw, hex"),
        new("↑ ↓ j k", "scroll; PgUp PgDn, Space, g G jump"),
        new("e", "edit, then: h headers, q query, f form, m method, u URL, c status code, b body ($EDITOR)"),
        new("a", "accept this intercepted flow"),
        new("x", "kill this flow"),
        new("r", "replay this flow's request"),
        new("i", "set the interception filter (empty turns interception off)"),
        new("d", "delete this flow (killed if live) and go back"),
        new("?", "this help"),
        new("q", "back to the flow list"),
    ];

    private bool _editPending;
    private (HttpMessage Message, byte[]? Body, string? Type, string? Encoding, ViewMode Mode)? _renderedFor;
    private ContentView? _rendered;

    public FlowViewScreen(ConsoleApp app, Flow flow)
        : base(app)
    {
        Flow = flow;
        Tab = flow.Response is not null ? FlowTab.Response : FlowTab.Request; // a paused response opens on what is paused
    }

    public Flow Flow { get; }

    public FlowTab Tab { get; private set; }

    public ViewMode Mode { get; private set; } = ViewMode.Pretty;

    /// <summary>First line shown of the tab's content; the renderer clamps it.</summary>
    public int Scroll { get; set; }

    /// <summary>Rows a page moves; the renderer sets it from the terminal's height.</summary>
    public int PageSize { get; set; } = 10;

    /// <summary>True after <c>e</c>, until the key that says what to edit.</summary>
    public bool EditPending => _editPending;

    public override string Title => "Flow view";

    public override IReadOnlyList<KeyHelp> Help => Keys;

    /// <summary>After <c>e</c> the next key names the part to edit, even <c>?</c> or <c>Q</c>.</summary>
    public override bool CapturesKeys => _editPending;

    /// <summary>The message the tab shows: the request, or the response (null while there is none, and on the Connection tab).</summary>
    public HttpMessage? Message => Tab switch
    {
        FlowTab.Request => Flow.Request,
        FlowTab.Response => Flow.Response,
        _ => null,
    };

    /// <summary>
    /// The body as the current view mode shows it. Pretty-printing a large body takes seconds, and
    /// the screen redraws several times a second, so the result is kept until the body, its type or
    /// the mode changes.
    /// </summary>
    public ContentView RenderBody(HttpMessage message)
    {
        var key = (message, message.Body, message.ContentType, message.Headers.Get("Content-Encoding"), Mode);
        if (_rendered is null || _renderedFor != key)
        {
            _rendered = ContentViewer.Render(message, Mode);
            _renderedFor = key;
        }

        return _rendered;
    }

    public override void HandleKey(ConsoleKeyInfo key)
    {
        if (_editPending)
        {
            _editPending = false;
            if (key.Key != ConsoleKey.Escape)
            {
                FlowEditor.Edit(App, Flow, Tab, ConsoleUi.Keys.Plain(key));
            }

            return;
        }

        switch (key.Key)
        {
            case ConsoleKey.Tab or ConsoleKey.RightArrow:
                SwitchTab(+1);
                return;
            case ConsoleKey.LeftArrow:
                SwitchTab(-1);
                return;
            case ConsoleKey.UpArrow: Scroll = Math.Max(0, Scroll - 1); return;
            case ConsoleKey.DownArrow: Scroll++; return;
            case ConsoleKey.PageUp: Scroll = Math.Max(0, Scroll - PageSize); return;
            case ConsoleKey.PageDown: Scroll += PageSize; return;
            case ConsoleKey.Home: Scroll = 0; return;
            case ConsoleKey.End: Scroll = int.MaxValue; return;
            case ConsoleKey.Escape: App.Pop(); return;
        }

        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'k': Scroll = Math.Max(0, Scroll - 1); break;
            case 'j': Scroll++; break;
            case ' ': Scroll += PageSize; break;
            case 'g': Scroll = 0; break;
            case 'G': Scroll = int.MaxValue; break;
            case 'm': Mode = ContentViewer.Next(Mode); break;
            case 'e' when Tab == FlowTab.Connection:
                App.Fail("Connection details are read-only; Tab to the Request or Response to edit");
                break;
            case 'e':
                if (App.CanEdit(Flow))
                {
                    _editPending = true;
                    App.Say(FlowEditor.MenuText(Tab));
                }

                break;
            case 'a': App.Accept(Flow); break;
            case 'A': App.AcceptAll(); break;
            case 'x': App.Kill(Flow); break;
            case 'r': App.Replay(Flow); break;
            case 'i': FlowListScreen.AskInterceptFilter(App); break; // global in mitmproxy: turning interception off from a paused flow is common
            case 'd':
                App.Delete(Flow);
                App.Pop();
                break;
            case 'q': App.Pop(); break;
        }
    }

    private void SwitchTab(int step)
    {
        var count = Enum.GetValues<FlowTab>().Length;
        Tab = (FlowTab)(((int)Tab + step + count) % count);
        Scroll = 0;
    }
}
