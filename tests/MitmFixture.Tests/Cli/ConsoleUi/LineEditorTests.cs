using MitmFixture.Cli.ConsoleUi;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class LineEditorTests
{
    private static LineEditor Typed(string initial, params ConsoleKeyInfo[] keys)
    {
        var editor = new LineEditor(initial);
        foreach (var key in keys)
        {
            editor.HandleKey(key);
        }

        return editor;
    }

    [Fact]
    public void New_Prefilled_CursorAtEnd() =>
        Assert.Equal(3, new LineEditor("GET").Cursor);

    [Fact]
    public void Typing_AtEnd_Appends() =>
        Assert.Equal("GETX", Typed("GET", Keys.Char('X')).Text);

    [Fact]
    public void ControlU_AtEnd_ClearsTheLine() =>
        Assert.Equal("OPTIONS", Typed("GET", [Keys.Control('u'), .. Keys.Type("OPTIONS")]).Text);

    [Fact]
    public void ControlU_MidLine_KeepsWhatFollowsTheCursor()
    {
        var editor = Typed("abcdef", Keys.Left, Keys.Left, Keys.Control('u'));
        Assert.Equal(("ef", 0), (editor.Text, editor.Cursor));
    }

    [Fact]
    public void ControlA_ThenType_InsertsAtStart() =>
        Assert.Equal("!~q", Typed("~q", Keys.Control('a'), Keys.Char('!')).Text);

    [Fact]
    public void ControlE_AfterControlA_TypesAtEnd() =>
        Assert.Equal("~qx", Typed("~q", Keys.Control('a'), Keys.Control('e'), Keys.Char('x')).Text);

    [Fact]
    public void HomeEnd_MoveLikeControlAAndE() =>
        Assert.Equal("<~q>", Typed("~q", Keys.Home, Keys.Char('<'), Keys.End, Keys.Char('>')).Text);

    [Fact]
    public void ControlK_RemovesFromCursor() =>
        Assert.Equal("~q", Typed("~q & ~s", Keys.Control('a'), Keys.Right, Keys.Right, Keys.Control('k')).Text);

    [Fact]
    public void ControlW_RemovesTheWordBefore() =>
        Assert.Equal("~q & ", Typed("~q & ~s", Keys.Control('w')).Text);

    [Fact]
    public void Backspace_AndDelete_RemoveAroundTheCursor()
    {
        Assert.Equal("ab", Typed("abc", Keys.Backspace).Text);
        Assert.Equal("bc", Typed("abc", Keys.Home, Keys.Special(ConsoleKey.Delete)).Text);
        Assert.Equal("abc", Typed("abc", Keys.Home, Keys.Backspace).Text);
    }

    [Fact]
    public void Arrows_StopAtTheEnds()
    {
        var editor = Typed("ab", Keys.Left, Keys.Left, Keys.Left, Keys.Left);
        Assert.Equal(0, editor.Cursor);
        editor = Typed("ab", Keys.Right, Keys.Right);
        Assert.Equal(2, editor.Cursor);
    }

    [Fact]
    public void Enter_Accepts_Escape_Cancels_ControlG_Cancels()
    {
        Assert.Equal(LineEditResult.Accepted, new LineEditor("x").HandleKey(Keys.Enter));
        Assert.Equal(LineEditResult.Cancelled, new LineEditor("x").HandleKey(Keys.Escape));
        Assert.Equal(LineEditResult.Cancelled, new LineEditor("x").HandleKey(Keys.Control('g')));
        Assert.Equal(LineEditResult.Editing, new LineEditor("x").HandleKey(Keys.Char('y')));
    }

    [Fact]
    public void ControlCharacters_WithoutModifier_AreReadAsChords()
    {
        // Some terminals report Ctrl+U only as the character 0x15.
        var bare = new ConsoleKeyInfo('\u0015', default, false, false, false);
        Assert.Equal("", Typed("abc", bare).Text);
    }
}
