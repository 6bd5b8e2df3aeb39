using System.Text;
using MitmFixture.Content;

using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class UrlEncodedViewTests
{
    [Fact]
    public void TryRender_Form_ShowsDecodedNameValueLinesInOrder() =>
        Assert.Equal(["b: hello world", "a: é", "empty: ", "flag: "], Render("b=hello+world&a=%C3%A9&empty=&flag"));

    [Fact]
    public void TryRender_MultiLineValue_ContinuesUnderItsFirstLine() =>
        Assert.Equal(["note: one", "      two"], Render("note=one%0D%0Atwo"));

    [Fact]
    public void TryRender_ControlCharacterInValue_IsEscaped() =>
        Assert.Equal(["a: x\\x00y"], Render("a=x%00y"));

    [Theory]
    [InlineData("a=%zz", "a: %zz")]
    [InlineData("a=%", "a: %")]
    [InlineData("a=%C3", "a: %C3")]
    [InlineData("=v", ": v")]
    public void TryRender_BrokenEscapes_AreShownAsSent(string form, string line) =>
        Assert.Equal([line], Render(form));

    [Theory]
    [InlineData("&&&")]
    [InlineData("   ")]
    public void TryRender_NoPairs_ReturnsFalse(string form) => Assert.Null(Render(form));

    private static IReadOnlyList<string>? Render(string form)
    {
        var lines = new LineCollector(100);
        return UrlEncodedView.TryRender(Encoding.UTF8.GetBytes(form), ContentTypeHeader.Parse("application/x-www-form-urlencoded"), lines) ? lines.ToList() : null;
    }
}
