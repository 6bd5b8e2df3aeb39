using System.Text;
using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

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
}
