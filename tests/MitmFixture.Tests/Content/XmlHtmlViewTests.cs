using System.Text;
using MitmFixture.Content;

using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class XmlHtmlViewTests
{
    [Fact]
    public void TryRender_WellFormedXml_IndentsOneElementPerLine() =>
        Assert.Equal(
            ["<?xml version=\"1.0\" encoding=\"utf-8\"?>", "<a x=\"1\">", "  <b>text</b>", "  <c />", "</a>"],
            Render("<?xml version=\"1.0\" encoding=\"utf-8\"?><a x=\"1\"><b>text</b>\n\n   <c/></a>"));

    [Fact]
    public void TryRender_XmlWithEntityDefinitions_IsNotExpanded()
    {
        // "Billion laughs": a DTD makes it go to the tokenizer, which never expands entities.
        var bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>";

        var lines = Render(bomb)!;

        Assert.Contains("<lolz>&lol2;</lolz>", lines);
    }

    [Fact]
    public void TryRender_Html_IndentsAndKeepsShortElementsOnOneLine() =>
        Assert.Equal(
            [
                "<!DOCTYPE html>",
                "<html>",
                "<head>",
                "  <title>T</title>",
                "  <meta charset=\"utf-8\">",
                "</head>",
                "<body>",
                "  <p>",
                "    Hi",
                "    <br>",
                "    there",
                "  </p>",
                "  <div></div>",
                "</body>",
                "</html>",
            ],
            Render("<!DOCTYPE html><html><head><title>T</title><meta charset=\"utf-8\"></head><body><p>Hi<br>there</p><div></div></body></html>"));

    [Fact]
    public void TryRender_ListWithoutEndTags_DoesNotDriftRight() =>
        Assert.Equal(["<ul>", "  <li>", "    a", "  <li>", "    b", "</ul>"], Render("<ul><li>a<li>b</ul>"));

    [Fact]
    public void TryRender_ScriptContent_IsNotTakenForMarkup() =>
        Assert.Equal(
            ["<script>", "  if (a < b && c > d) { x(\"</p>\"); }", "</script>"],
            Render("<script>\n    if (a < b && c > d) { x(\"</p>\"); }\n</script>"));

    [Fact]
    public void TryRender_TextBlock_KeepsItsOwnRelativeIndentation() =>
        Assert.Equal(["<pre>", "  a", "    b", "</pre>", "<hr>"], Render("<pre>\n        a\n          b\n</pre><hr>"));

    [Fact]
    public void TryRender_TagOverSeveralLinesAndQuotedBracket_BecomesOneTag() =>
        Assert.Equal(["<a href=x title=\"1 > 0\">", "  <b></b>", "</a>"], Render("<a\n   href=x\n   title=\"1 > 0\"><b></b></a>"));

    [Fact]
    public void TryRender_DeepUnclosedNesting_StopsIndentingAtALimit()
    {
        var lines = Render(string.Concat(Enumerable.Repeat("<div>", 200)))!;

        Assert.Equal(200, lines.Count);
        Assert.Equal(64, lines[^1].Length - "<div>".Length);
    }

    [Theory]
    [InlineData("<")]
    [InlineData("<<<>>>")]
    [InlineData("<a")]
    [InlineData("</a>")]
    [InlineData("<!--")]
    [InlineData("<![CDATA[")]
    [InlineData("<a href=\"x>")]
    [InlineData("<a b='>")]
    [InlineData("<?")]
    [InlineData("<!")]
    [InlineData("<a><b></a></b>")]
    [InlineData("<script>")]
    [InlineData("< a>1 < 2</a>")]
    [InlineData("<>")]
    [InlineData("</>")]
    public void TryRender_MalformedMarkup_StillRenders(string markup) => Assert.NotNull(Render(markup));

    [Fact]
    public void TryRender_StrayLessThan_StaysText() =>
        Assert.Equal(["<p>1 < 2</p>"], Render("<p>1 < 2</p>"));

    [Fact]
    public void TryRender_Binary_ReturnsFalse() =>
        Assert.Null(Render(Encoding.Latin1.GetString([(byte)'<', 0, 1, 2, 3, 4, 5, 6, 7, 8])));

    private static IReadOnlyList<string>? Render(string markup)
    {
        var lines = new LineCollector(1000);
        var rendered = XmlHtmlView.TryRender(Encoding.UTF8.GetBytes(markup), ContentTypeHeader.Parse("text/html"), lines);
        return rendered ? lines.ToList() : null;
    }
}
