using System.Buffers;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

/// <summary>The writer's second line of defence: CR, LF, NUL or a character past Latin-1 in a start line or field is refused before a byte is written.</summary>
public sealed class Http1WriterTests
{
    public static TheoryData<string, string, string, string, string> HostileRequests => new()
    {
        // method, target, version, header name, header value
        { "GET\r\nX: 1", "/", "HTTP/1.1", "X-A", "1" },
        { "GET", "/a\r\nX-Smuggled: 1", "HTTP/1.1", "X-A", "1" },
        { "GET", "/a b", "HTTP/1.1", "X-A", "1" },
        { "GET", "/", "HTTP/1.1\r\nX: 1", "X-A", "1" },
        { "GET", "/", "HTTP/1.1", "X-A\r\nX-B", "1" },
        { "GET", "/", "HTTP/1.1", "X A", "1" },
        { "GET", "/", "HTTP/1.1", "", "1" },
        { "GET", "/", "HTTP/1.1", "X-A", "1\r\nX-Smuggled: 1" },
        { "GET", "/", "HTTP/1.1", "X-A", "1\nX-Smuggled: 1" },
        { "GET", "/", "HTTP/1.1", "X-A", "1\0" },

        // Past U+00FF: Latin-1 would send another byte ('?', which turns the path's rest into a query).
        { "GET", "/a\u4e2db=1", "HTTP/1.1", "X-A", "1" },
        { "GET", "/a\uff0f..\uff0fb", "HTTP/1.1", "X-A", "1" },
        { "GET", "/", "HTTP/1.1", "X-A", "a\uff1b Domain\uff1devil.com" },
    };

    [Theory]
    [MemberData(nameof(HostileRequests))]
    public void WriteRequestHead_LineBreakOrNul_RefusedAndNothingWritten(string method, string target, string version, string name, string value)
    {
        var output = new ArrayBufferWriter<byte>();
        var request = new HttpRequest { Method = method, HttpVersion = version };

        Assert.Throws<UnsafeHeadException>(() => Http1Writer.WriteRequestHead(output, request, target, new HttpHeaders((name, value))));

        Assert.Equal(0, output.WrittenCount);
    }

    [Theory]
    [InlineData("HTTP/1.1", 200, "OK\r\nSet-Cookie: a=1", "X-A", "1")]
    [InlineData("HTTP/1.1", 200, "OK\0", "X-A", "1")]
    [InlineData("HTTP/1.1", 200, "OK", "X-A", "1\r\nSet-Cookie: a=1")]
    [InlineData("HTTP/1.1", 200, "OK", "Set-Cookie: a=1\r\nX-A", "1")]
    [InlineData("HTTP/1.1\r\n", 200, "OK", "X-A", "1")]
    [InlineData("HTTP/1.1", 1000, "OK", "X-A", "1")]
    [InlineData("HTTP/1.1", 42, "OK", "X-A", "1")]
    [InlineData("HTTP/1.1", 200, "O\uff2b", "X-A", "1")]
    [InlineData("HTTP/1.1", 200, "OK", "Set-Cookie", "a=b\uff1b Domain\uff1devil.com")]
    public void WriteResponseHead_Unsafe_RefusedAndNothingWritten(string version, int status, string reason, string name, string value)
    {
        var output = new ArrayBufferWriter<byte>();

        var error = Assert.Throws<UnsafeHeadException>(() => Http1Writer.WriteResponseHead(output, version, status, reason, new HttpHeaders((name, value))));

        Assert.Equal(0, output.WrittenCount);
        Assert.DoesNotContain('\n', error.Message); // the message quotes the value escaped, on one line
    }

    [Fact]
    public void WriteLastChunk_UnsafeTrailer_RefusedAndNothingWritten()
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<UnsafeHeadException>(() => Http1Writer.WriteLastChunk(output, new HttpHeaders(("X-Sum", "1\r\nX: 2"))));

        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void WriteResponseHead_HtabAndObsText_Written()
    {
        var output = new ArrayBufferWriter<byte>();

        Http1Writer.WriteResponseHead(output, "HTTP/1.1", 200, "OK\tfine", new HttpHeaders(("X-A", "a\tb \u00e9")));

        Assert.Equal("HTTP/1.1 200 OK\tfine\r\nX-A: a\tb \u00e9\r\n\r\n", System.Text.Encoding.Latin1.GetString(output.WrittenSpan));
    }
}
