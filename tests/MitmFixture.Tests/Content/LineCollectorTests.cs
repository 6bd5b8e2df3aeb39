using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class LineCollectorTests
{
    [Theory]
    [InlineData("a\nb", 2)]
    [InlineData("a\nb\n", 2)]
    [InlineData("a\r\nb\r\n", 2)]
    [InlineData("\n", 1)]
    [InlineData("a\n\nb", 3)]
    [InlineData("", 0)]
    public void AddText_LineEnds_GiveOneLineEachWithoutATrailingEmptyOne(string text, int count)
    {
        var lines = new LineCollector(100);

        lines.AddText(text);

        Assert.Equal(count, lines.Count);
    }

    [Theory]
    [InlineData("1\n2\n3\n4", 2, "[… 2 more lines not shown]")]
    [InlineData("1\n2\n3\n4\n", 2, "[… 2 more lines not shown]")]
    [InlineData("1\n2\n3", 2, "[… 1 more line not shown]")]
    public void AddText_BeyondTheLimit_CountsExactlyWhatWasLeftOut(string text, int max, string last)
    {
        var lines = new LineCollector(max);

        lines.AddText(text);

        Assert.Equal(last, lines.ToList()[^1]);
        Assert.Equal(max + 1, lines.ToList().Count);
    }

    [Fact]
    public void AddText_Indent_PrefixesEveryLine()
    {
        var lines = new LineCollector(10);

        lines.AddText("a\nb", "  ");

        Assert.Equal(["  a", "  b"], lines.ToList());
    }

    [Fact]
    public void ToList_ExactlyAtTheLimit_HasNoNote()
    {
        var lines = new LineCollector(2);

        lines.AddText("1\n2");

        Assert.Equal(["1", "2"], lines.ToList());
    }
}
