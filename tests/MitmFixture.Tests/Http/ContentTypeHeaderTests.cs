using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class ContentTypeHeaderTests
{
    [Theory]
    [InlineData("Application/JSON; Charset=UTF-8", "application/json")]
    [InlineData("  text/html  ", "text/html")]
    [InlineData(null, "")]
    [InlineData(";;;", "")]
    public void Parse_MediaType_IsTrimmedAndLowerCased(string? value, string mediaType) =>
        Assert.Equal(mediaType, ContentTypeHeader.Parse(value).MediaType);

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("multipart/form-data; boundary=\"a;b c\"", "a;b c")]
    [InlineData("multipart/form-data;BOUNDARY=x;boundary=y", "x")]
    public void Parse_Boundary_HandlesQuotesAndCase(string value, string boundary) =>
        Assert.Equal(boundary, ContentTypeHeader.Parse(value).Boundary);

    [Fact]
    public void Charset_UnknownName_IsNull() =>
        Assert.Null(ContentTypeHeader.Parse("text/plain; charset=klingon").Charset);

    [Fact]
    public void Charset_LegacyCodePage_IsFoundWithoutRegisteringAProvider() =>
        Assert.Equal(1252, ContentTypeHeader.Parse("text/plain; charset=windows-1252").Charset?.CodePage);

    [Fact]
    public void Charset_Utf8_IsUtf8() =>
        Assert.Equal(Encoding.UTF8.CodePage, ContentTypeHeader.Parse("text/plain; charset=\"utf-8\"").Charset?.CodePage);

    [Theory]
    [InlineData("text/plain; charset=windows-1252", "caf\u00e9 \u20ac")]
    [InlineData("text/plain; charset=\"iso-8859-1\"; format=flowed", "caf\u00e9 \u0080")]
    [InlineData("text/plain; charset=nonsense", "caf\ufffd \ufffd")]
    [InlineData(null, "caf\ufffd \ufffd")]
    public void HttpMessageText_DecodesWithTheOneContentTypeParser(string? contentType, string expected)
    {
        var response = new HttpResponse { Body = [(byte)'c', (byte)'a', (byte)'f', 0xE9, (byte)' ', 0x80] };
        if (contentType is not null)
        {
            response.Headers.Set("Content-Type", contentType);
        }

        Assert.Equal(expected, response.Text);
    }
}
