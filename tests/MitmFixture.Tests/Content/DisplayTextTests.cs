using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("\tx", "    x")]
    [InlineData("a\tx", "a   x")]
    [InlineData("abcd\tx", "abcd    x")]
    [InlineData("a\t\tx", "a       x")]
    public void Sanitize_Tab_ExpandsToTheNextTabStop(string line, string expected) =>
        Assert.Equal(expected, DisplayText.Sanitize(line));

    [Theory]
    [InlineData("\0", "\\x00")]
    [InlineData("\u001b[2J", "\\x1b[2J")]
    [InlineData("\r", "\\x0d")]
    [InlineData("\u007f", "\\x7f")]
    [InlineData("\u0085", "\\x85")]
    [InlineData("a\u202eb", "a\\u202eb")]
    [InlineData("\u2028", "\\u2028")]
    public void Sanitize_ControlOrInvisibleCharacter_IsEscapedVisibly(string line, string expected) =>
        Assert.Equal(expected, DisplayText.Sanitize(line));

    [Theory]
    [InlineData(0xD800, "\\ud800")]
    [InlineData(0xDFFF, "\\udfff")]
    public void Sanitize_LoneSurrogate_IsEscapedVisibly(int surrogate, string expected) =>
        // Built here: a lone surrogate does not survive being stored in an attribute.
        Assert.Equal($"x{expected}y", DisplayText.Sanitize($"x{(char)surrogate}y"));

    [Theory]
    [InlineData("plain text")]
    [InlineData("emoji 😀 and 日本")]
    [InlineData("back\\slash")]
    public void Sanitize_PrintableText_IsUnchanged(string line) =>
        Assert.Same(line, DisplayText.Sanitize(line));

    [Fact]
    public void Sanitize_VeryLongLine_IsCutAndSaysWhere()
    {
        var line = DisplayText.Sanitize(new string('x', DisplayText.MaxLineLength * 3));

        Assert.Equal(new string('x', DisplayText.MaxLineLength) + " [… line cut at 10000 characters]", line);
    }

    [Fact]
    public void Sanitize_CutAtAnEmoji_KeepsTheEmojiWhole()
    {
        var line = DisplayText.Sanitize(new string('x', DisplayText.MaxLineLength - 1) + "😀 and more");

        Assert.StartsWith(new string('x', DisplayText.MaxLineLength - 1) + "😀 [… line cut", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_ExactlyTheMaximumLength_IsNotCut()
    {
        var line = new string('x', DisplayText.MaxLineLength);

        Assert.Same(line, DisplayText.Sanitize(line));
    }
}
