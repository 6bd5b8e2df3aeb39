using MitmFixture.Filters;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>The flow list: every flow in order, the focused one marked; the console's home screen.</summary>
internal sealed class FlowListScreen(ConsoleApp app) : Screen(app)
{
    private static readonly KeyHelp[] Keys =
    [
        new("↑ ↓ j k", "move the focus; PgUp PgDn, g G (Home End) jump"),
        new("Enter", "open the focused flow"),
        new("a", "accept the focused intercepted flow"),
        new("A", "accept every intercepted flow"),
        new("x", "kill the focused flow (closes its client connection)"),
        new("r", "replay the focused flow's request (client replay)"),
        new("d", "delete the focused flow (a live one is killed)"),
        new("z", "clear the list (live flows are killed)"),
        new("f", "set the view filter (empty clears it)"),
        new("i", "set the interception filter (empty turns interception off)"),
        new("w", "save the listed flows to a cassette"),
        new("e", "show or hide the event log"),
        new("o", "options (R: replacement patterns)"),
        new("?", "this help"),
        new("q", "quit (asks first); Q quits at once"),
    ];

    /// <summary>Rows a page moves; the renderer sets it from the terminal's height.</summary>
    public int PageSize { get; set; } = 10;

    public override string Title => "Flow list";

    public override IReadOnlyList<KeyHelp> Help => Keys;

    public override IReadOnlyList<KeyHelp> ExtraHelp => FlowFilter.Help.Select(h => new KeyHelp(h.Syntax, h.Description)).ToList();

    public override void HandleKey(ConsoleKeyInfo key)
    {
        var flows = App.Flows;
        switch (key.Key)
        {
            case ConsoleKey.UpArrow: flows.Move(-1); return;
            case ConsoleKey.DownArrow: flows.Move(1); return;
            case ConsoleKey.PageUp: flows.Move(-PageSize); return;
            case ConsoleKey.PageDown: flows.Move(PageSize); return;
            case ConsoleKey.Home: flows.Focus(0); return;
            case ConsoleKey.End: flows.Focus(int.MaxValue); return;
            case ConsoleKey.Enter:
                if (flows.Focused is { } focused)
                {
                    App.Push(new FlowViewScreen(App, focused));
                }

                return;
        }

        var focus = flows.Focused;
        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'k': flows.Move(-1); break;
            case 'j': flows.Move(1); break;
            case ' ': flows.Move(PageSize); break;
            case 'g': flows.Focus(0); break;
            case 'G': flows.Focus(int.MaxValue); break;
            case 'a' when focus is not null: App.Accept(focus); break;
            case 'A': App.AcceptAll(); break;
            case 'x' when focus is not null: App.Kill(focus); break;
            case 'r' when focus is not null: App.Replay(focus); break;
            case 'd' when focus is not null: App.Delete(focus); break;
            case 'z': App.ClearAll(); break;
            case 'f': AskViewFilter(App); break;
            case 'i': AskInterceptFilter(App); break;
            case 'w': App.Ask("Save listed flows to", App.Backend.SavePath, App.Save); break;
            case 'e': App.ShowEventLog = !App.ShowEventLog; break;
            case 'o': App.Push(new OptionsScreen(App)); break;
            case 'q': App.Pop(); break;
            case 'Q': App.Quit(); break;
        }
    }

    public static void AskViewFilter(ConsoleApp app) =>
        app.Ask("Filter", app.Flows.Filter?.Expression ?? "", text =>
        {
            if (text.Trim().Length == 0)
            {
                app.Flows.SetFilter(null);
                return null;
            }

            if (!FlowFilter.TryParse(text, out var filter, out var error))
            {
                return error.Message;
            }

            app.Flows.SetFilter(filter);
            return null;
        });

    public static void AskInterceptFilter(ConsoleApp app) =>
        app.Ask("Intercept", app.Backend.Intercept.Expression ?? "", text =>
        {
            if (!app.Backend.Intercept.TrySetFilter(text, out var error))
            {
                return error;
            }

            app.Events.Info(app.Backend.Intercept.Expression is { } pattern ? "Intercepting " + pattern : "Interception off");
            return null;
        });
}
