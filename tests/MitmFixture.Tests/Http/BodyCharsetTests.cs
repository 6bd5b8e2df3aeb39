using System.Text;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

/// <summary>One decoder for body text: BOM, then charset, then UTF-8, invalid bytes replaced.</summary>
public sealed class BodyCharsetTests
{
    [Fact]
    public void Text_Utf8ByteOrderMark_IsNotPartOfTheText()
    {
        var response = HttpResponse.Create(200, [0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8], ("Content-Type", "application/json"));

        Assert.Equal("{\"a\":1}", response.Text);
    }

    [Fact]
    public void Text_ByteOrderMarkWinsOverTheDeclaredCharset()
    {
        var response = HttpResponse.Create(200, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("héllo")], ("Content-Type", "text/plain; charset=iso-8859-1"));

        Assert.Equal("héllo", response.Text);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Text_Utf32ByteOrderMark_IsReadAsUtf32NotUtf16(bool bigEndian)
    {
        var encoding = new UTF32Encoding(bigEndian, byteOrderMark: true);
        var response = HttpResponse.Create(200, [.. encoding.GetPreamble(), .. encoding.GetBytes("{\"token\":\"héllo\"}")], ("Content-Type", "application/json"));

        Assert.Equal("{\"token\":\"héllo\"}", response.Text); // FF FE 00 00 was read as UTF-16LE: NULs between the letters
    }

    [Fact]
    public void Text_DeclaredLegacyCharset_Decoded()
    {
        var response = HttpResponse.Create(200, [0x63, 0x61, 0x66, 0xE9], ("Content-Type", "text/plain; charset=\"windows-1252\""));

        Assert.Equal("café", response.Text);
    }

    [Fact]
    public void Text_InvalidUtf8_ReplacedNotThrown()
    {
        var response = HttpResponse.Create(200, [0x61, 0xFF, 0x62], ("Content-Type", "text/plain"));

        Assert.Equal("a\uFFFDb", response.Text);
    }

    [Fact]
    public void ViewsAndMessageText_DecodeAByteOrderMarkAlike()
    {
        byte[] body = [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("plain text")];
        var response = HttpResponse.Create(200, body, ("Content-Type", "text/plain; charset=utf-8"));

        Assert.True(TextDecoding.TryDecode(body, "text/plain; charset=utf-8", lenient: false, out var viewed));
        Assert.Equal(response.Text, viewed);
        Assert.Equal(["plain text"], ContentViewer.Render(response, ViewMode.Pretty).Lines);
    }
}
