using System.Text;
using MitmFixture.Content;

using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class TextViewTests
{
    [Fact]
    public void TryRender_Utf8_SplitsLinesOnLfAndCrLf() =>
        Assert.Equal(["one", "two", "three"], Render("one\r\ntwo\nthree\n"u8.ToArray(), "text/plain"));

    [Theory]
    [InlineData("text/plain; charset=windows-1252", new byte[] { 0x80, 0x20, 0x93, 0x71, 0x94 }, "€ “q”")]
    [InlineData("text/plain; charset=\"ISO-8859-1\"", new byte[] { 0xE9 }, "é")]
    [InlineData("text/plain; charset=shift_jis", new byte[] { 0x93, 0xFA, 0x96, 0x7B }, "日本")]
    [InlineData("text/plain; charset=no-such-charset", new byte[] { 0x68, 0x69 }, "hi")]
    public void TryRender_DeclaredCharset_IsUsed(string contentType, byte[] body, string text) =>
        Assert.Equal([text], Render(body, contentType));

    [Fact]
    public void TryRender_Utf16WithByteOrderMark_IsDecodedWithoutACharset() =>
        Assert.Equal(["hé"], Render([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("hé")], "text/plain"));

    [Theory]
    [InlineData(new byte[] { 0x68, 0xC3 })] // truncated UTF-8 sequence
    [InlineData(new byte[] { 0, 1, 2, 3, 0x68, 0x69 })] // mostly control characters
    public void TryRender_NotText_ReturnsFalse(byte[] body) => Assert.Null(Render(body, "text/plain"));

    [Fact]
    public void TryRender_TextWithAFewControlCharacters_IsStillTextWithThemEscaped() =>
        Assert.Equal(["a long enough line \\x1b[31m red"], Render("a long enough line \u001b[31m red"u8.ToArray(), "text/plain"));

    private static IReadOnlyList<string>? Render(byte[] body, string contentType)
    {
        var lines = new LineCollector(100);
        return TextView.TryRender(body, ContentTypeHeader.Parse(contentType), lines) ? lines.ToList() : null;
    }
}
