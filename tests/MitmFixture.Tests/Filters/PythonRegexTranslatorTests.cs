using MitmFixture.Filters;

namespace MitmFixture.Tests.Filters;

public sealed class PythonRegexTranslatorTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("(?P<name>a)(?P=name)", @"(?<name>a)\k<name>")]
    [InlineData(@"end\Z", @"end\z")]
    [InlineData("x{,3}", "x{0,3}")]
    [InlineData("x{,}", "x{0,}")]
    [InlineData("x{2,3}", "x{2,3}")]
    [InlineData("(?u)word", "word")]
    [InlineData(@"(?a)\w", @"\w")]
    [InlineData("(?iu:x)", "(?i:x)")]
    [InlineData("(?i)x", "(?i)x")]
    [InlineData("(?-i:X)", "(?-i:X)")]
    // Escapes and character classes are left alone.
    [InlineData(@"\(?P<x>", @"\(?P<x>")]
    [InlineData("[(?P<]", "[(?P<]")]
    [InlineData("[]{,3}]", "[]{,3}]")]
    [InlineData(@"[\]]\Z", @"[\]]\z")]
    public void Translate_PythonSyntax_BecomesDotNet(string python, string dotnet) =>
        Assert.Equal(dotnet, PythonRegexTranslator.Translate(python));
}
