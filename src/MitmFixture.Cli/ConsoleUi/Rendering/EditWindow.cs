namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>
/// The part of an edited line that fits in a field, scrolled so the cursor stays in view (as a
/// readline prompt scrolls): "…" marks text cut off on either side.
/// </summary>
internal static class EditWindow
{
    /// <summary>
    /// What to show of <paramref name="text"/> in <paramref name="width"/> characters, and where the
    /// cursor is in it. There is always a cell for the cursor, also when it is past the last character.
    /// </summary>
    public static (string Text, int Cursor) Around(string text, int cursor, int width)
    {
        width = Math.Max(3, width);
        if (text.Length < width)
        {
            return (text, cursor);
        }

        // Scrolled only as far as needed to keep the cursor one cell short of the right edge.
        var start = Math.Max(0, cursor - (width - 2));
        var shown = start == 0 ? text : "…" + text[(start + 1)..];
        if (shown.Length > width)
        {
            shown = shown[..(width - 1)] + "…";
        }

        return (shown, cursor - start);
    }
}
