using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cassettes;

/// <summary>How a body is stored, decided by the content layer, and that it comes back byte for byte.</summary>
public sealed class BodyCodecTests
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("application/problem+json; charset=utf-8")]
    public void Encode_CompactJsonType_EmbeddedAsJson(string contentType)
    {
        var record = Encode("{\"a\":1}"u8.ToArray(), contentType);

        Assert.NotNull(record.Json);
        Assert.Equal("{\"a\":1}"u8.ToArray(), BodyCodec.Decode(record, "$"));
    }

    [Fact]
    public void Encode_TypeOnlyMentioningJson_StoredAsTextNotJson()
    {
        var record = Encode("{\"a\":1}"u8.ToArray(), "text/plain; note=json");

        Assert.Null(record.Json);
        Assert.Equal("{\"a\":1}"u8.ToArray(), record.Text);
    }

    [Fact]
    public void Encode_Utf8ByteOrderMark_TextThatGivesTheSameBytesBack()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. "hello"u8];

        var record = Encode(body, "text/plain");

        Assert.NotNull(record.Text);
        Assert.Equal(body, BodyCodec.Decode(record, "$"));
    }

    [Theory]
    [InlineData("text/plain; charset=iso-8859-1")] // valid text, but not UTF-8: the text field would change its bytes
    [InlineData("application/octet-stream")]
    public void Encode_NotExactUtf8OrNotTextual_Base64(string contentType)
    {
        var body = Encoding.Latin1.GetBytes("caf\u00e9");

        var record = Encode(body, contentType);

        Assert.NotNull(record.Base64);
        Assert.Equal(body, BodyCodec.Decode(record, "$"));
    }

    private static BodyRecord Encode(byte[] body, string contentType) =>
        BodyCodec.Encode(HttpResponse.Create(200, body, ("Content-Type", contentType))) ?? throw new InvalidOperationException("no record");
}
