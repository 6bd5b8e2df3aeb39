using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class MediaTypeTests
{
    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON; charset=utf-8")]
    [InlineData("application/problem+json")]
    [InlineData("application/vnd.api+json")]
    [InlineData("application/json-rpc")]
    [InlineData("text/json")]
    public void IsJson_JsonAndPlusJsonTypes_True(string contentType) => Assert.True(MediaType.IsJson(contentType));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("text/plain; note=\"json\"")] // a parameter mentioning json used to count
    [InlineData("application/x-ndjson")] // one document a line: not one JSON text
    [InlineData("application/jsonp")]
    [InlineData("text/javascript")]
    public void IsJson_OtherTypes_False(string? contentType) => Assert.False(MediaType.IsJson(contentType));

    [Theory]
    [InlineData("application/x-www-form-urlencoded", true)]
    [InlineData("application/x-www-form-urlencoded; charset=UTF-8", true)]
    [InlineData("application/x-www-form-urlencoded-but-not", false)]
    public void IsForm_ByMediaType(string contentType, bool expected) => Assert.Equal(expected, MediaType.IsForm(contentType));

    [Theory]
    [InlineData("text/plain", true)]
    [InlineData("application/x-ndjson", true)]
    [InlineData("image/svg+xml", true)]
    [InlineData("application/graphql", true)]
    [InlineData("application/octet-stream", false)]
    [InlineData("image/png", false)]
    public void IsTextual_ByMediaType(string contentType, bool expected) =>
        Assert.Equal(expected, MediaType.IsTextual(MitmFixture.Http.ContentTypeHeader.Parse(contentType)));

    [Theory]
    [InlineData("application/json", ".json")]
    [InlineData("application/problem+json", ".json")]
    [InlineData("text/html; charset=utf-8", ".html")]
    [InlineData("image/svg+xml", ".xml")]
    [InlineData("text/plain", ".txt")]
    [InlineData(null, ".txt")]
    public void EditorExtension_ByMediaType(string? contentType, string expected) => Assert.Equal(expected, ContentKind.EditorExtension(contentType));
}
