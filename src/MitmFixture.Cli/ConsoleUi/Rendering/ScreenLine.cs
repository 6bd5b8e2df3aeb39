using System.Text;
using Spectre.Console;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>A run of text in one style.</summary>
internal readonly record struct Span(string Text, Style Style);

/// <summary>
/// One row of the terminal as styled spans. Frames are built from these so tests read text and
/// styles (an intercepted flow's orange) without a terminal; <see cref="SpectreFrame"/> draws them.
/// </summary>
internal sealed class ScreenLine
{
    private readonly List<Span> _spans = [];

    public ScreenLine(Style? fill = null) => Fill = fill ?? Style.Plain;

    /// <summary>The style of the padding after the text (the status bar's background).</summary>
    public Style Fill { get; }

    public IReadOnlyList<Span> Spans => _spans;

    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var span in _spans)
            {
                text.Append(span.Text);
            }

            return text.ToString();
        }
    }

    public static ScreenLine Of(string text, Style? style = null) => new ScreenLine().Add(text, style);

    public ScreenLine Add(string text, Style? style = null)
    {
        if (text.Length > 0)
        {
            _spans.Add(new Span(Sanitize(text), style ?? Style.Plain));
        }

        return this;
    }

    /// <summary>True when a span coloured <paramref name="foreground"/> holds <paramref name="text"/>.</summary>
    public bool HasStyled(string text, Color foreground) =>
        _spans.Any(s => s.Style.Foreground == foreground && s.Text.Contains(text, StringComparison.Ordinal));

    /// <summary>Tabs and control characters would move the terminal's cursor and break the layout; show them as spaces and '.'.</summary>
    private static string Sanitize(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            clean.Append(c == '\t' ? "    " : char.IsControl(c) ? "." : c.ToString());
        }

        return clean.ToString();
    }
}
