using System.Text;
using MitmFixture.Content;

using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class JsonViewTests
{
    [Fact]
    public void TryRender_NestedDocument_IndentsByTwoKeepingMemberOrder() =>
        Assert.Equal(
            ["{", "  \"b\": 1,", "  \"a\": [", "    true,", "    {", "      \"c\": null", "    }", "  ],", "  \"e\": {}", "}"],
            Render("{\"b\":1,\"a\":[true,{\"c\":null}],\"e\":{}}"));

    [Fact]
    public void TryRender_NumbersAndDuplicateNames_StayAsSent() =>
        Assert.Equal(["{", "  \"a\": 1.50,", "  \"a\": 2E+10", "}"], Render("{\"a\":1.50,\"a\":2E+10}"));

    [Fact]
    public void TryRender_NonAsciiText_StaysReadable() =>
        Assert.Equal("  \"name\": \"Zoë 日本 😀\"", Render("{\"name\":\"Zoë 日本 😀\"}")?[1]);

    [Theory]
    [InlineData("\"\\ud83d\\ude00\"", "\"😀\"")]
    [InlineData("\"\\\\ud83d\\\\ude00\"", "\"\\\\ud83d\\\\ude00\"")] // backslashes, then text
    [InlineData("\"\\\\\\ud83d\\ude00\"", "\"\\\\😀\"")]
    public void TryRender_EscapedSurrogatePairs_ComeOutAsTheCharacterUnlessTheBackslashIsEscaped(string json, string line) =>
        Assert.Equal([line], Render(json));

    [Fact]
    public void TryRender_ControlCharactersInStrings_StayJsonEscaped() =>
        Assert.Equal("\"a\\u0000b\\nc\\u001B\"", Render("\"a\\u0000b\\nc\\u001b\"")?.Single());

    [Fact]
    public void TryRender_ByteOrderMark_IsSkipped() =>
        Assert.Equal(["[]"], Render([0xEF, 0xBB, 0xBF, (byte)'[', (byte)']']));

    [Fact]
    public void TryRender_Utf16Charset_IsDecodedFirst() =>
        Assert.Equal(["{", "  \"é\": 1", "}"], Render(Encoding.Unicode.GetBytes("{\"é\":1}"), "application/json; charset=utf-16"));

    [Theory]
    [InlineData("{")]
    [InlineData("{\"a\":}")]
    [InlineData("[1,]")]
    [InlineData("{'a':1}")]
    [InlineData("nul")]
    [InlineData("{} {}")]
    [InlineData("// comment\n{}")]
    [InlineData("")]
    public void TryRender_InvalidJson_ReturnsFalseAndAddsNothing(string json) => Assert.Null(Render(json));

    [Fact]
    public void TryRender_InvalidUtf8InsideAString_ShowsAReplacementCharacter() =>
        // Still worth seeing as JSON: the rest of the document is fine.
        Assert.Equal(["\"\\uFFFD(\""], Render([(byte)'"', 0xC3, 0x28, (byte)'"']));

    [Fact]
    public void TryRender_NestedDeeperThanTheLimit_ReturnsFalseInsteadOfRecursing() =>
        Assert.Null(Render(new string('[', 1000) + new string(']', 1000)));

    private static IReadOnlyList<string>? Render(string json) => Render(Encoding.UTF8.GetBytes(json));

    private static IReadOnlyList<string>? Render(byte[] json, string contentType = "application/json")
    {
        var lines = new LineCollector(1000);
        var rendered = JsonView.TryRender(json, ContentTypeHeader.Parse(contentType), lines);
        Assert.True(rendered || lines.Count == 0, "a view that declines must add nothing");
        return rendered ? lines.ToList() : null;
    }
}
