namespace MitmFixture.Cli.ConsoleUi;

/// <summary>Builds and reads <see cref="ConsoleKeyInfo"/> values the same way for the terminal and for tests.</summary>
internal static class Keys
{
    public static ConsoleKeyInfo Enter { get; } = new('\r', ConsoleKey.Enter, false, false, false);

    public static ConsoleKeyInfo Escape { get; } = new('\u001b', ConsoleKey.Escape, false, false, false);

    public static ConsoleKeyInfo Tab { get; } = new('\t', ConsoleKey.Tab, false, false, false);

    public static ConsoleKeyInfo Backspace { get; } = new('\b', ConsoleKey.Backspace, false, false, false);

    public static ConsoleKeyInfo Up { get; } = Special(ConsoleKey.UpArrow);

    public static ConsoleKeyInfo Down { get; } = Special(ConsoleKey.DownArrow);

    public static ConsoleKeyInfo Left { get; } = Special(ConsoleKey.LeftArrow);

    public static ConsoleKeyInfo Right { get; } = Special(ConsoleKey.RightArrow);

    public static ConsoleKeyInfo PageUp { get; } = Special(ConsoleKey.PageUp);

    public static ConsoleKeyInfo PageDown { get; } = Special(ConsoleKey.PageDown);

    public static ConsoleKeyInfo Home { get; } = Special(ConsoleKey.Home);

    public static ConsoleKeyInfo End { get; } = Special(ConsoleKey.End);

    public static ConsoleKeyInfo Special(ConsoleKey key) => new('\0', key, false, false, false);

    /// <summary>A printable character as the terminal reports it.</summary>
    public static ConsoleKeyInfo Char(char c)
    {
        var key = c switch
        {
            >= 'a' and <= 'z' => ConsoleKey.A + (c - 'a'),
            >= 'A' and <= 'Z' => ConsoleKey.A + (c - 'A'),
            >= '0' and <= '9' => ConsoleKey.D0 + (c - '0'),
            ' ' => ConsoleKey.Spacebar,
            _ => default,
        };
        return new ConsoleKeyInfo(c, key, shift: c is >= 'A' and <= 'Z', alt: false, control: false);
    }

    /// <summary>Ctrl plus a letter, as the terminal reports it (the control character).</summary>
    public static ConsoleKeyInfo Control(char letter)
    {
        var upper = char.ToUpperInvariant(letter);
        return new ConsoleKeyInfo((char)(upper - '@'), ConsoleKey.A + (upper - 'A'), shift: false, alt: false, control: true);
    }

    /// <summary>Every key of a string, for typing text in tests.</summary>
    public static IEnumerable<ConsoleKeyInfo> Type(string text) => text.Select(Char);

    /// <summary>
    /// The letter of a Ctrl+letter chord (upper case), or null. Terminals send control characters
    /// (0x01-0x1a) and .NET reports some with the Control modifier and some without, so both are read;
    /// Tab (Ctrl+I), Enter (Ctrl+M), Backspace (Ctrl+H) come with their own ConsoleKey and are left alone.
    /// </summary>
    public static char? ControlLetter(ConsoleKeyInfo key)
    {
        if (key.Key is ConsoleKey.Tab or ConsoleKey.Enter or ConsoleKey.Backspace or ConsoleKey.Escape)
        {
            return null;
        }

        if (key.KeyChar is >= '\u0001' and <= '\u001a')
        {
            return (char)('@' + key.KeyChar);
        }

        if ((key.Modifiers & ConsoleModifiers.Control) != 0 && key.Key is >= ConsoleKey.A and <= ConsoleKey.Z)
        {
            return (char)('A' + (key.Key - ConsoleKey.A));
        }

        return null;
    }

    /// <summary>
    /// The keys the user pressed, from one key .NET read. .NET reads Esc and the key after it as one
    /// key with Alt when both bytes arrive before it reads (a quick "Esc q", or keys sent together by
    /// tmux or a paste), so Esc was lost and the key ignored as an Alt chord. The console binds nothing
    /// to Alt, so such a key is split back into Esc and the key. Keys without a character (arrows with
    /// Alt, which terminals send as one modifier sequence) are left as they are.
    /// </summary>
    public static IEnumerable<ConsoleKeyInfo> FromTerminal(ConsoleKeyInfo key)
    {
        if ((key.Modifiers & ConsoleModifiers.Alt) == 0 || key.KeyChar == '\0')
        {
            return [key];
        }

        var shift = (key.Modifiers & ConsoleModifiers.Shift) != 0;
        var control = (key.Modifiers & ConsoleModifiers.Control) != 0;
        return [Escape, new ConsoleKeyInfo(key.KeyChar, key.Key, shift, alt: false, control)];
    }

    /// <summary>The character of a plain key (no Ctrl/Alt), or '\0'.</summary>
    public static char Plain(ConsoleKeyInfo key) =>
        (key.Modifiers & (ConsoleModifiers.Control | ConsoleModifiers.Alt)) == 0 && !char.IsControl(key.KeyChar) ? key.KeyChar : '\0';
}
