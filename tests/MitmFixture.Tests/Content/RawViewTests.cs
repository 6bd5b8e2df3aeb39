using System.Text;
using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class RawViewTests
{
    [Fact]
    public void Render_Text_SplitsOnLineFeedsAndKeepsCarriageReturnsVisible() =>
        Assert.Equal(["GET / HTTP/1.1\\x0d", "", "a\\x00b"], Render(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n\na\0b")));

    [Fact]
    public void Render_Tabs_AreExpanded() =>
        Assert.Equal(["a   b"], Render("a\tb"u8.ToArray()));

    [Fact]
    public void Render_Utf8Line_IsShownAsUtf8() =>
        Assert.Equal(["café"], Render("café"u8.ToArray()));

    [Fact]
    public void Render_LineThatIsNotUtf8_IsShownAsLatin1WithC1ControlsEscaped() =>
        Assert.Equal(["caf\u00e9\\x80", "ok"], Render([(byte)'c', (byte)'a', (byte)'f', 0xE9, 0x80, (byte)'\n', (byte)'o', (byte)'k']));

    [Fact]
    public void Render_FinalLineFeed_DoesNotAddAnEmptyLine() =>
        Assert.Equal(["a"], Render("a\n"u8.ToArray()));

    [Fact]
    public void Render_MoreLinesThanTheLimit_CountsTheRest()
    {
        var lines = new LineCollector(1);

        RawView.Render("1\n2\n3\n"u8, lines);

        Assert.Equal(["1", "[… 2 more lines not shown]"], lines.ToList());
    }

    private static IReadOnlyList<string> Render(byte[] body)
    {
        var lines = new LineCollector(100);
        RawView.Render(body, lines);
        return lines.ToList();
    }
}
