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

    public static IEnumerable<ScreenLine> BuildOptions(OptionsScreen options, int width, int height)
    {
        yield return ScreenLine.Of("Options", Palette.Title);
        yield return new ScreenLine();
        foreach (var (name, value) in options.Values)
        {
            yield return new ScreenLine().Add(FlowRow.Fit(name, 14), Palette.HeaderName).Add(" " + value);
        }

        yield return new ScreenLine();
        foreach (var key in options.Help)
        {
            yield return new ScreenLine().Add(FlowRow.Fit(key.Keys, 14), Palette.Focus).Add(" " + key.Description);
        }
    }

    private static void AddKeys(List<ScreenLine> lines, IReadOnlyList<KeyHelp> keys, int width)
    {
        var keyWidth = Math.Min(20, Math.Max(6, keys.Max(k => k.Keys.Length) + 2));
        foreach (var key in keys)
        {
            lines.Add(new ScreenLine().Add("  " + FlowRow.Fit(key.Keys, keyWidth), Palette.Focus).Add(key.Description));
        }
    }
}
