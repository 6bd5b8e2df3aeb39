namespace MitmFixture.Cli.ConsoleUi;

/// <summary>What a key did to a <see cref="LineEditor"/>.</summary>
internal enum LineEditResult
{
    Editing,
    Accepted,
    Cancelled,
}

/// <summary>
/// One editable line with readline keys: Ctrl+A/Home and Ctrl+E/End move to the ends, Ctrl+B/Ctrl+F
/// and the arrows move by a character, Ctrl+U clears up to the cursor, Ctrl+K from it, Ctrl+W
/// deletes the word before it; Enter accepts, Esc (or Ctrl+C/Ctrl+G) cancels.
/// </summary>
internal sealed class LineEditor
{
    public LineEditor(string text = "")
    {
        Text = text;
        Cursor = text.Length;
    }

    public string Text { get; private set; }

    /// <summary>Position of the cursor in <see cref="Text"/>, 0 to its length.</summary>
    public int Cursor { get; private set; }

    public LineEditResult HandleKey(ConsoleKeyInfo key)
    {
        switch (Keys.ControlLetter(key))
        {
            case 'A': Cursor = 0; return LineEditResult.Editing;
            case 'E': Cursor = Text.Length; return LineEditResult.Editing;
            case 'B': Cursor = Math.Max(0, Cursor - 1); return LineEditResult.Editing;
            case 'F': Cursor = Math.Min(Text.Length, Cursor + 1); return LineEditResult.Editing;
            case 'U': Text = Text[Cursor..]; Cursor = 0; return LineEditResult.Editing;
            case 'K': Text = Text[..Cursor]; return LineEditResult.Editing;
            case 'W': DeleteWordBefore(); return LineEditResult.Editing;
            case 'H': DeleteBefore(); return LineEditResult.Editing;
            case 'D': DeleteAt(); return LineEditResult.Editing;
            case 'C' or 'G': return LineEditResult.Cancelled;
            case 'M' or 'J': return LineEditResult.Accepted;
        }

        switch (key.Key)
        {
            case ConsoleKey.Enter: return LineEditResult.Accepted;
            case ConsoleKey.Escape: return LineEditResult.Cancelled;
            case ConsoleKey.LeftArrow: Cursor = Math.Max(0, Cursor - 1); return LineEditResult.Editing;
            case ConsoleKey.RightArrow: Cursor = Math.Min(Text.Length, Cursor + 1); return LineEditResult.Editing;
            case ConsoleKey.Home: Cursor = 0; return LineEditResult.Editing;
            case ConsoleKey.End: Cursor = Text.Length; return LineEditResult.Editing;
            case ConsoleKey.Backspace: DeleteBefore(); return LineEditResult.Editing;
            case ConsoleKey.Delete: DeleteAt(); return LineEditResult.Editing;
        }

        if (!char.IsControl(key.KeyChar))
        {
            Text = Text.Insert(Cursor, key.KeyChar.ToString());
            Cursor++;
        }

        return LineEditResult.Editing;
    }

    private void DeleteBefore()
    {
        if (Cursor > 0)
        {
            Text = Text.Remove(Cursor - 1, 1);
            Cursor--;
        }
    }

    private void DeleteAt()
    {
        if (Cursor < Text.Length)
        {
            Text = Text.Remove(Cursor, 1);
        }
    }

    private void DeleteWordBefore()
    {
        var start = Cursor;
        while (start > 0 && Text[start - 1] == ' ')
        {
            start--;
        }

        while (start > 0 && Text[start - 1] != ' ')
        {
            start--;
        }

        Text = Text.Remove(start, Cursor - start);
        Cursor = start;
    }
}
