using System.Text;
using Spectre.Console;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>
/// Draws frame lines with Spectre.Console: each line cut to the terminal's width (by cells, so wide
/// characters count twice), padded with its fill style, and turned into ANSI text.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The only disposable field is a StringWriter, which holds no resource.")]
internal sealed class SpectreFrame
{
    private readonly StringWriter _output = new();
    private readonly IAnsiConsole _console;

    /// <param name="colors">NoColors for plain text (tests, NO_COLOR), Detect on a terminal.</param>
    public SpectreFrame(ColorSystemSupport colors)
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colors == ColorSystemSupport.NoColors ? AnsiSupport.No : AnsiSupport.Yes,
            ColorSystem = colors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(_output),
        });
    }

    /// <summary>One string per line, none wider than <paramref name="width"/> cells, without line breaks.</summary>
    public IReadOnlyList<string> Render(IReadOnlyList<ScreenLine> lines, int width)
    {
        _console.Profile.Width = width + 1; // room to spare so Spectre never wraps a line we already cut
        var rendered = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            var paragraph = new Paragraph();
            var used = 0;
            foreach (var span in line.Spans)
            {
                var text = Cut(span.Text, width - used, out var cells);
                if (text.Length > 0)
                {
                    paragraph.Append(text, span.Style);
                    used += cells;
                }
            }

            if (used < width)
            {
                paragraph.Append(new string(' ', width - used), line.Fill);
            }

            _output.GetStringBuilder().Clear();
            _console.Write(paragraph);
            rendered.Add(_output.ToString().TrimEnd('\n', '\r'));
        }

        return rendered;
    }

    /// <summary>The longest prefix of <paramref name="text"/> that fits in <paramref name="room"/> cells.</summary>
    private static string Cut(string text, int room, out int cells)
    {
        cells = 0;
        if (room <= 0)
        {
            return "";
        }

        var result = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var width = Math.Max(0, new Spectre.Console.Rendering.Segment(rune.ToString()).CellCount());
            if (cells + width > room)
            {
                break;
            }

            result.Append(rune.ToString());
            cells += width;
        }

        return result.ToString();
    }
}
