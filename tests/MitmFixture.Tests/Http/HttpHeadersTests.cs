using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class HttpHeadersTests
{
    [Fact]
    public void Get_SeveralFields_JoinsWithComma()
    {
        var headers = new HttpHeaders(("Accept", "a"), ("X-Other", "x"), ("accept", "b"));
        Assert.Equal("a, b", headers["ACCEPT"]);
        Assert.Equal(["a", "b"], headers.GetAll("accept"));
    }

    [Fact]
    public void Set_Existing_ReplacesAllKeepingFirstPositionAndCase()
    {
        var headers = new HttpHeaders(("Set-Cookie", "a=1"), ("Host", "h"), ("set-cookie", "b=2"));
        headers.Set("SET-COOKIE", "c=3");
        Assert.Equal(["Set-Cookie: c=3", "Host: h"], headers.Select(h => h.ToString()));
    }

    [Fact]
    public void Remove_AllMatchingFields_ReturnsCount()
    {
        var headers = new HttpHeaders(("A", "1"), ("a", "2"), ("B", "3"));
        Assert.Equal(2, headers.Remove("A"));
        Assert.Single(headers);
    }

    [Theory]
    [InlineData("keep-alive, Upgrade", "upgrade", true)]
    [InlineData("keep-alive", "close", false)]
    public void HasToken_CommaList_FindsTokenIgnoringCase(string value, string token, bool expected) =>
        Assert.Equal(expected, new HttpHeaders(("Connection", value)).HasToken("Connection", token));
}
