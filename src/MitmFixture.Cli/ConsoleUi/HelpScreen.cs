namespace MitmFixture.Cli.ConsoleUi;

/// <summary>Context-sensitive help: the keys of the screen <c>?</c> was pressed on, and the filter syntax where it takes filters.</summary>
internal sealed class HelpScreen(ConsoleApp app, Screen about) : Screen(app)
{
    private static readonly KeyHelp[] Keys =
    [
        new("↑ ↓ j k", "scroll"),
        new("q Esc ?", "back"),
    ];

    public Screen About { get; } = about;

    public int Scroll { get; set; }

    public override string Title => "Help: " + About.Title;

    public override IReadOnlyList<KeyHelp> Help => Keys;

    public override void HandleKey(ConsoleKeyInfo key)
    {
        switch (key.Key)
        {
            case ConsoleKey.UpArrow: Scroll = Math.Max(0, Scroll - 1); return;
            case ConsoleKey.DownArrow: Scroll++; return;
            case ConsoleKey.PageUp: Scroll = Math.Max(0, Scroll - 10); return;
            case ConsoleKey.PageDown: Scroll += 10; return;
            case ConsoleKey.Escape: App.Pop(); return;
        }

        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'k': Scroll = Math.Max(0, Scroll - 1); break;
            case 'j': Scroll++; break;
            case 'q' or '?': App.Pop(); break;
        }
    }
}
