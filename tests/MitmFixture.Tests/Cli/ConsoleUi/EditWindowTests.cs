using MitmFixture.Cli.ConsoleUi.Rendering;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class EditWindowTests
{
    [Fact]
    public void ShortText_IsShownWhole() =>
        Assert.Equal(("GET", 3), EditWindow.Around("GET", 3, 10));

    [Fact]
    public void LongText_CursorAtEnd_ShowsTheEndWithRoomForTheCursor()
    {
        var (text, cursor) = EditWindow.Around("abcdefghijklmnopqrstuvwxyz", 26, 10);
        Assert.Equal("…tuvwxyz", text);
        Assert.Equal(8, cursor); // the cell after the text, inside the field
    }

    [Fact]
    public void LongText_CursorAtStart_ShowsTheStartCutOnTheRight() =>
        Assert.Equal(("abcdefghi…", 0), EditWindow.Around("abcdefghijklmnopqrstuvwxyz", 0, 10));

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(25)]
    [InlineData(26)]
    public void AnyCursor_StaysInView_OnTheCharacterItWasOn(int position)
    {
        const string Text = "abcdefghijklmnopqrstuvwxyz";
        var (shown, cursor) = EditWindow.Around(Text, position, 10);
        Assert.True(shown.Length <= 10);
        Assert.InRange(cursor, 0, Math.Min(9, shown.Length));
        if (position < Text.Length)
        {
            Assert.Equal(Text[position], shown[cursor]);
        }
    }
}
