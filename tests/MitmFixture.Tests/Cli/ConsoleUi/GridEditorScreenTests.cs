using MitmFixture.Cli.ConsoleUi;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class GridEditorScreenTests
{
    private static async Task<(ConsoleHarness Console, GridEditorScreen Grid, List<IReadOnlyList<string>[]> Commits)> OpenAsync(
        string[][] rows, string editor = "false", Func<IReadOnlyList<IReadOnlyList<string>>, string?>? check = null)
    {
        var console = await ConsoleHarness.StartAsync(editor: editor);
        var commits = new List<IReadOnlyList<string>[]>();
        var grid = new GridEditorScreen(console.App, "Test grid", ["Name", "Value"], rows, edited =>
        {
            if (check?.Invoke(edited) is { } error)
            {
                return error;
            }

            commits.Add(edited.Select(r => (IReadOnlyList<string>)r.ToArray()).ToArray());
            return null;
        });
        console.App.Push(grid);
        return (console, grid, commits);
    }

    private static string[][] Saved(List<IReadOnlyList<string>[]> commits) => commits.Single().Select(r => r.ToArray()).ToArray();

    [Fact]
    public async Task Empty_StartsEmpty_AAddsARowToFill()
    {
        var (console, grid, commits) = await OpenAsync([]);
        await using var _ = console;
        Assert.Empty(grid.Rows);
        Assert.Contains("(empty: a adds a row)", console.ScreenText());
        console.Keys("a").Press(Keys.Enter).Keys("k1").Press(Keys.Escape).Keys("l").Press(Keys.Enter).Keys("v1").Press(Keys.Enter);
        console.Press(Keys.Escape);
        Assert.Equal([["k1", "v1"]], Saved(commits));
        Assert.IsType<FlowListScreen>(console.App.Current);
    }

    [Fact]
    public async Task ArrowsAndViKeys_MoveBetweenCells()
    {
        var (console, grid, _) = await OpenAsync([["a", "1"], ["b", "2"], ["c", "3"]]);
        await using var _ = console;
        console.Keys("jj");
        Assert.Equal((2, 0), (grid.Row, grid.Column));
        console.Keys("j");
        Assert.Equal(2, grid.Row);
        console.Press(Keys.Right);
        Assert.Equal(1, grid.Column);
        console.Keys("k").Press(Keys.Up);
        Assert.Equal((0, 1), (grid.Row, grid.Column));
        console.Keys("h").Press(Keys.Down);
        Assert.Equal((1, 0), (grid.Row, grid.Column));
    }

    [Fact]
    public async Task Enter_EditsTheCell_WhileEditingKeysAreText()
    {
        var (console, grid, commits) = await OpenAsync([["a", "1"]]);
        await using var _ = console;
        console.Keys("l").Press(Keys.Enter);
        Assert.NotNull(grid.CellEditor);
        Assert.True(grid.CapturesKeys);
        console.Keys("?jd"); // typed, not help / move / delete
        Assert.IsType<GridEditorScreen>(console.App.Current);
        console.Press(Keys.Escape);
        Assert.Null(grid.CellEditor);
        Assert.Equal("1?jd", grid.Rows[0][1]);
        console.Keys("q");
        Assert.Equal([["a", "1?jd"]], Saved(commits));
    }

    [Fact]
    public async Task ControlG_DropsTheCellEdit()
    {
        var (console, grid, _) = await OpenAsync([["a", "1"]]);
        await using var _ = console;
        console.Press(Keys.Enter).Keys("zzz").Press(Keys.Control('g'));
        Assert.Equal("a", grid.Rows[0][0]);
    }

    [Fact]
    public async Task CapitalA_InsertsAbove_DDeletes()
    {
        var (console, grid, commits) = await OpenAsync([["a", "1"], ["b", "2"]]);
        await using var _ = console;
        console.Keys("jA").Press(Keys.Enter).Keys("new").Press(Keys.Escape);
        Assert.Equal(["a", "new", "b"], grid.Rows.Select(r => r[0]));
        console.Keys("kd");
        console.Press(Keys.Escape);
        Assert.Equal([["new", ""], ["b", "2"]], Saved(commits));
    }

    [Fact]
    public async Task D_OnTheLastRow_LeavesAnEmptyGrid()
    {
        var (console, grid, commits) = await OpenAsync([["a", "1"]]);
        await using var _ = console;
        console.Keys("dd");
        Assert.Empty(grid.Rows);
        console.Keys("q");
        Assert.Empty(Saved(commits));
    }

    [Fact]
    public async Task E_EditsTheCellInTheExternalEditor()
    {
        var (console, grid, _) = await OpenAsync([["a", "old value"]], editor: "sed -i s/old/new/");
        await using var _ = console;
        console.Keys("le");
        Assert.Equal("new value", grid.Rows[0][1]);
    }

    [Fact]
    public async Task E_EditorFails_SaysSo_TheCellStays()
    {
        var (console, grid, _) = await OpenAsync([["a", "old value"]], editor: "false");
        await using var _ = console;
        console.Keys("le");
        Assert.Equal("old value", grid.Rows[0][1]);
        Assert.Contains("'false' exited with code 1", console.Screen()[^1]);
    }

    [Fact]
    public async Task Commit_Refused_StaysOpenWithTheMessage()
    {
        var (console, grid, commits) = await OpenAsync([["", "orphan"]], check: rows => rows.Any(r => r[0].Length == 0) ? "row 1: a name is needed" : null);
        await using var _ = console;
        console.Press(Keys.Escape);
        Assert.Same(grid, console.App.Current);
        Assert.Contains("row 1: a name is needed", console.Screen()[^1]);
        console.Press(Keys.Enter).Keys("name").Press(Keys.Enter).Press(Keys.Escape);
        Assert.IsType<FlowListScreen>(console.App.Current);
        Assert.Equal([["name", "orphan"]], Saved(commits));
    }

    [Fact]
    public async Task Commit_Throws_TheConsoleKeepsRunning_AndLogsTheError()
    {
        var (console, grid, _) = await OpenAsync([["a", "b"]], check: _ => throw new InvalidOperationException("Collection was modified"));
        await using var _ = console;
        console.Press(Keys.Escape);
        Assert.Same(grid, console.App.Current);
        Assert.Contains("InvalidOperationException: Collection was modified", console.Screen()[^1]);
        Assert.Contains(console.App.Events.Snapshot(), e => e.Text.Contains("Collection was modified", StringComparison.Ordinal));
        console.Keys("j");
        Assert.Null(console.App.Message); // the next key is handled as usual
    }

    [Fact]
    public async Task Screen_HighlightsTheCursorCell_AndShowsTheEditedText()
    {
        var (console, _, _) = await OpenAsync([["Accept", "*/*"]]);
        await using var _ = console;
        var lines = console.Lines();
        Assert.Contains(lines, l => l.Spans.Any(s => s.Text.StartsWith("Accept", StringComparison.Ordinal) && s.Style == MitmFixture.Cli.ConsoleUi.Rendering.Palette.Selected));
        console.Press(Keys.Enter).Keys("-Language");
        Assert.Contains("Accept-Language▏", console.ScreenText());
    }

    [Fact]
    public async Task EditingALongValue_WhatIsTypedStaysInView()
    {
        var (console, _, _) = await OpenAsync([["Cookie", "session=" + new string('x', 200)]]);
        await using var _ = console;
        console.Keys("l").Press(Keys.Enter).Keys("; theme=dark");
        Assert.Contains("; theme=dark▏", console.ScreenText(80, 12));
    }

    [Fact]
    public async Task QuestionMark_ShowsTheGridKeys()
    {
        var (console, _, _) = await OpenAsync([]);
        await using var _ = console;
        console.Keys("?");
        var text = console.ScreenText(height: 40);
        Assert.Contains("add a row below the cursor", text);
        Assert.Contains("edit the cell in $EDITOR", text);
    }
}
