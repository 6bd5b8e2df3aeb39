namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>The help screen (keys of the screen it was asked on, then the filter syntax) and the options screen.</summary>
internal static class HelpView
{
    public static IEnumerable<ScreenLine> Build(HelpScreen help, int width, int height)
    {
        var lines = new List<ScreenLine> { ScreenLine.Of(help.Title, Palette.Title), new() };
        AddKeys(lines, help.About.Help, width);
        if (help.About.ExtraHelp.Count > 0)
        {
            lines.Add(new ScreenLine());
            lines.Add(ScreenLine.Of("Filter expressions (f, i)", Palette.Title));
            AddKeys(lines, help.About.ExtraHelp, width);
        }

        lines.Add(new ScreenLine());
        lines.Add(ScreenLine.Of("q, Esc or ? goes back.", Palette.Dim));
        help.Scroll = Math.Clamp(help.Scroll, 0, Math.Max(0, lines.Count - height));
        return lines.Skip(help.Scroll).Take(height);
    }

    /// <summary>The options list, scrolled to keep the focus in view, then the console's own settings and the keys.</summary>
    public static IEnumerable<ScreenLine> BuildOptions(OptionsScreen options, int width, int height)
    {
        var lines = new List<ScreenLine> { ScreenLine.Of("Options", Palette.Title) };
        var rows = options.Rows;
        var nameWidth = rows.Max(r => r.Name.Length) + 1;
        var visible = Math.Max(3, height - 4 - options.Values.Count - options.Help.Count);
        var first = Math.Clamp(options.Focus - (visible / 2), 0, Math.Max(0, rows.Count - visible));
        for (var i = first; i < Math.Min(rows.Count, first + visible); i++)
        {
            var (name, value, restart) = rows[i];
            var line = new ScreenLine().Add(i == options.Focus ? ">> " : "   ", Palette.Focus).Add(FlowRow.Fit(name, nameWidth), Palette.HeaderName).Add(" " + value);
            lines.Add(restart ? line.Add(" " + OptionsScreen.RestartNeeded, Palette.Dim) : line);
        }

        lines.Add(new ScreenLine());
        foreach (var (name, value) in options.Values)
        {
            lines.Add(new ScreenLine().Add("   " + FlowRow.Fit(name, nameWidth), Palette.HeaderName).Add(" " + value));
        }

        foreach (var key in options.Help)
        {
            lines.Add(new ScreenLine().Add(FlowRow.Fit(key.Keys, 14), Palette.Focus).Add(" " + key.Description));
        }

        return lines.Take(height);
    }

    /// <summary>One key per line, its description wrapped under itself when the terminal is too narrow for it.</summary>
    private static void AddKeys(List<ScreenLine> lines, IReadOnlyList<KeyHelp> keys, int width)
    {
        var keyWidth = Math.Min(20, Math.Max(6, keys.Max(k => k.Keys.Length) + 2));
        var indent = 2 + keyWidth;
        foreach (var key in keys)
        {
            var parts = Wrap(key.Description, Math.Max(10, width - indent));
            lines.Add(new ScreenLine().Add("  " + FlowRow.Fit(key.Keys, keyWidth), Palette.Focus).Add(parts[0]));
            foreach (var part in parts.Skip(1))
            {
                lines.Add(ScreenLine.Of(new string(' ', indent) + part));
            }
        }
    }

    /// <summary>Splits <paramref name="text"/> at spaces into lines of at most <paramref name="width"/> characters (a longer word is cut).</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = "";
            }

            line = line.Length == 0 ? word : line + " " + word;
            while (line.Length > width)
            {
                lines.Add(line[..width]);
                line = line[width..];
            }
        }

        lines.Add(line);
        return lines;
    }
}
