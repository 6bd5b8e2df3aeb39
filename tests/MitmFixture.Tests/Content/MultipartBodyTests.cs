using System.Text;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Tests.Content;

/// <summary>The one multipart reader behind the multipart view and replay matching.</summary>
public sealed class MultipartBodyTests
{
    private const string Crlf = "--b;1\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n" +
        "--b;1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.txt\"\r\nContent-Type: text/plain\r\n\r\nline 1\r\nline 2\r\n--b;1--\r\n";

    [Fact]
    public void TryParse_QuotedBoundaryWithSemicolon_ReadsNamesFileNamesAndContent()
    {
        Assert.True(MultipartBody.TryParse(Encoding.UTF8.GetBytes(Crlf), ContentTypeHeader.Parse("multipart/form-data; boundary=\"b;1\""), out var parts));

        Assert.Equal(["user", "file"], parts.Select(p => p.Name));
        Assert.Equal([null, "a;b.txt"], parts.Select(p => p.FileName));
        Assert.Equal("text/plain", parts[1].ContentType.MediaType);
        Assert.Equal(["alice", "line 1\r\nline 2"], parts.Select(p => Encoding.UTF8.GetString(p.Content)));
    }

    [Fact]
    public void TryParse_LineFeedsOnly_SameParts()
    {
        var lf = Crlf.Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.True(MultipartBody.TryParse(Encoding.UTF8.GetBytes(lf), ContentTypeHeader.Parse("multipart/form-data; boundary=\"b;1\""), out var parts));

        Assert.Equal(["user", "file"], parts.Select(p => p.Name));
        Assert.Equal(["alice", "line 1\nline 2"], parts.Select(p => Encoding.UTF8.GetString(p.Content)));
    }

    [Fact]
    public void TryParse_BoundaryTextInsideContentOrLonger_IsNotADelimiter()
    {
        // RFC 2046 §5.1.1: a delimiter starts a line and is followed by "--", padding or a line end.
        var body = "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nsee --x here\r\n--xy not a delimiter\r\n--x--";

        Assert.True(MultipartBody.TryParse(Encoding.UTF8.GetBytes(body), ContentTypeHeader.Parse("multipart/form-data; boundary=x"), out var parts));

        var part = Assert.Single(parts);
        Assert.Equal("see --x here\r\n--xy not a delimiter", Encoding.UTF8.GetString(part.Content));
    }

    [Fact]
    public void TryParse_BlankLineInsteadOfHeaders_ContentAfterIt()
    {
        Assert.True(MultipartBody.TryParse("--x\r\n\r\nbare\r\n--x--"u8.ToArray(), ContentTypeHeader.Parse("multipart/mixed; boundary=x"), out var parts));

        Assert.Equal("bare", Encoding.UTF8.GetString(Assert.Single(parts).Content));
    }

    [Theory]
    [InlineData("multipart/form-data")]
    [InlineData("text/plain; boundary=x")]
    [InlineData("multipart/form-data; boundary=absent")]
    public void TryParse_NotMultipartOrNoDelimiter_False(string contentType) =>
        Assert.False(MultipartBody.TryParse("--x\r\n\r\n1\r\n--x--"u8.ToArray(), ContentTypeHeader.Parse(contentType), out _));

    [Fact]
    public void View_ShowsTheSamePartsReplayMatchesOn()
    {
        var lines = new LineCollector(100);

        Assert.True(MultipartView.TryRender(Encoding.UTF8.GetBytes(Crlf.Replace("\r\n", "\n", StringComparison.Ordinal)), ContentTypeHeader.Parse("multipart/form-data; boundary=\"b;1\""), lines));

        Assert.Equal(["Part 1: name \"user\"", "  alice", "Part 2: name \"file\", file \"a;b.txt\", text/plain", "  line 1", "  line 2"], lines.ToList());
    }
}
