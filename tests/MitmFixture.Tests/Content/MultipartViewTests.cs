using System.Text;
using MitmFixture.Content;

using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

public sealed class MultipartViewTests
{
    private const string ContentType = "multipart/form-data; boundary=\"----b\"";

    [Fact]
    public void TryRender_FieldsAndFiles_ShowsEachPartsHeadingThenContentOrSize()
    {
        var body = Join(
            "------b\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHello\r\nworld\r\n",
            "------b\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me;1.png\"\r\nContent-Type: image/png\r\n\r\n",
            TestImages.Png(2, 3),
            "\r\n------b\r\nContent-Disposition: form-data; name=\"blob\"\r\nContent-Type: application/octet-stream\r\n\r\n",
            new byte[] { 0, 1, 2, 3, 4 },
            "\r\n------b\r\nContent-Disposition: form-data; name=\"none\"\r\n\r\n\r\n------b--\r\n");

        Assert.Equal(
            [
                "Part 1: name \"title\"",
                "  Hello",
                "  world",
                "Part 2: name \"avatar\", file \"me;1.png\", image/png",
                $"  PNG image, 2x3 ({TestImages.Png(2, 3).Length} bytes)",
                "Part 3: name \"blob\", application/octet-stream",
                "  (5 bytes of binary data)",
                "Part 4: name \"none\"",
                "  (empty)",
            ],
            Render(body, ContentType));
    }

    [Fact]
    public void TryRender_LineFeedsOnlyAndNoCloseDelimiter_StillShowsTheParts() =>
        Assert.Equal(
            ["Part 1: name \"a\"", "  1", "Part 2: name \"b\"", "  2"],
            Render(Join("--x\nContent-Disposition: form-data; name=a\n\n1\n--x\nContent-Disposition: form-data; name=b\n\n2"), "multipart/form-data; boundary=x"));

    [Fact]
    public void TryRender_PartWithoutHeaders_IsAllContent() =>
        Assert.Equal(["Part 1: (no name)", "  just text"], Render(Join("--x\r\njust text\r\n--x--"), "multipart/form-data; boundary=x"));

    [Fact]
    public void TryRender_Utf8FileName_IsDecoded() =>
        Assert.Equal(
            "Part 1: name \"f\", file \"résumé.txt\"",
            Render(Join("--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"résumé.txt\"\r\n\r\nx\r\n--x--"), "multipart/form-data; boundary=x")?[0]);

    [Theory]
    [InlineData("multipart/form-data")]
    [InlineData("multipart/form-data; boundary=")]
    [InlineData("multipart/form-data; boundary=nothere")]
    public void TryRender_NoUsableBoundary_ReturnsFalse(string contentType) =>
        Assert.Null(Render(Join("--x\r\n\r\n1\r\n--x--"), contentType));

    [Theory]
    [InlineData("--x")]
    [InlineData("--x--")]
    [InlineData("--x\r\n")]
    [InlineData("--x\r\nContent-Disposition: form-data; name=\"unterminated\r\n\r\n")]
    [InlineData("--x\r\nContent-Disposition\r\n:\r\n\r\n--x")]
    public void TryRender_TruncatedOrOdd_DoesNotThrow(string body) =>
        Render(Join(body), "multipart/form-data; boundary=x");

    private static byte[] Join(params object[] pieces) =>
        [.. pieces.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : (byte[])p)];

    private static IReadOnlyList<string>? Render(byte[] body, string contentType)
    {
        var lines = new LineCollector(100);
        return MultipartView.TryRender(body, ContentTypeHeader.Parse(contentType), lines) ? lines.ToList() : null;
    }
}
