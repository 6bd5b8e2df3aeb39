namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>The grid editor: column titles, then one row per entry with the cursor cell highlighted (yellow while edited).</summary>
internal static class GridView
{
    public static IEnumerable<ScreenLine> Build(GridEditorScreen grid, int width, int height)
    {
        yield return ScreenLine.Of($"Editing {grid.Title}  (Enter edits a cell, a adds a row, d deletes, Esc saves)", Palette.Title);
        var widths = ColumnWidths(grid.Columns.Count, width);
        var header = new ScreenLine();
        for (var c = 0; c < grid.Columns.Count; c++)
        {
            header.Add(FlowRow.Fit(grid.Columns[c], widths[c]) + " ", Palette.HeaderName);
        }

        yield return header;
        if (grid.Rows.Count == 0)
        {
            yield return ScreenLine.Of("(empty: a adds a row)", Palette.Dim);
            yield break;
        }

        var visible = height - 2;
        var first = Math.Clamp(grid.Row - (visible / 2), 0, Math.Max(0, grid.Rows.Count - visible));
        for (var r = first; r < Math.Min(grid.Rows.Count, first + visible); r++)
        {
            var line = new ScreenLine();
            for (var c = 0; c < grid.Columns.Count; c++)
            {
                var here = r == grid.Row && c == grid.Column;
                if (here && grid.CellEditor is { } editor)
                {
                    var (shown, cursor) = EditWindow.Around(editor.Text, editor.Cursor, widths[c] - 1); // a cell for the cursor mark
                    line.Add(FlowRow.Fit(shown.Insert(cursor, "▏"), widths[c]), Palette.EditingCell);
                }
                else
                {
                    line.Add(FlowRow.Fit(grid.Rows[r][c], widths[c]), here ? Palette.Selected : r == grid.Row ? Palette.Focus : Spectre.Console.Style.Plain);
                }

                line.Add(" ");
            }

            yield return line;
        }
    }

    /// <summary>The first column (a name or filter) gets a third of the width; the rest share what is left.</summary>
    private static int[] ColumnWidths(int columns, int width)
    {
        var usable = width - columns;
        if (columns == 1)
        {
            return [usable];
        }

        var first = Math.Max(8, usable / 3);
        var rest = (usable - first) / (columns - 1);
        return [first, .. Enumerable.Repeat(rest, columns - 1)];
    }
}
