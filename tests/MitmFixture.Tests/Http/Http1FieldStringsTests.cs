using System.Buffers;
using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class Http1FieldStringsTests
{
    private static readonly HttpLimits Limits = new();

    [Fact]
    public void Name_SpelledAsAKnownName_IsThatString()
    {
        Assert.Same(Microsoft.Net.Http.Headers.HeaderNames.ContentLength, Http1FieldStrings.Name("Content-Length"u8));
        Assert.Same(Microsoft.Net.Http.Headers.HeaderNames.ETag, Http1FieldStrings.Name("ETag"u8));
    }

    [Fact]
    public void Name_OtherCaseOrUnknown_KeepsTheBytesAsSent()
    {
        Assert.Equal("content-LENGTH", Http1FieldStrings.Name("content-LENGTH"u8));
        Assert.Equal("X-Custom", Http1FieldStrings.Name("X-Custom"u8));
        Assert.Equal("caf\u00e9", Http1FieldStrings.Name([0x63, 0x61, 0x66, 0xE9]));
    }

    [Fact]
    public void Value_OfARepeatingField_IsReusedOnlyForTheSameText()
    {
        var first = Http1FieldStrings.Value("Server", "nginx/1.22.1"u8);
        var again = Http1FieldStrings.Value("Server", "nginx/1.22.1"u8);
        var other = Http1FieldStrings.Value("Server", "nginx/1.22.2"u8);

        Assert.Same(first, again);
        Assert.Equal("nginx/1.22.2", other);
    }

    [Fact]
    public void Value_OfACredential_IsNeverRemembered()
    {
        var first = Http1FieldStrings.Value("Authorization", "Bearer abc"u8);
        var again = Http1FieldStrings.Value("Authorization", "Bearer abc"u8);

        Assert.Equal("Bearer abc", again);
        Assert.NotSame(first, again);
    }

    [Fact]
    public void Value_ManyDistinctValues_StayCorrectPastTheCap()
    {
        for (var i = 0; i < 1000; i++)
        {
            var text = $"text/x-{i}";
            Assert.Equal(text, Http1FieldStrings.Value("Content-Type", Encoding.ASCII.GetBytes(text)));
        }
    }

    public static TheoryData<byte> ForbiddenValueBytes()
    {
        var data = new TheoryData<byte>();
        for (var b = 0; b < 0x20; b++)
        {
            if (b is not '\t' and not '\r' and not '\n')
            {
                data.Add((byte)b);
            }
        }

        data.Add(0x7F);
        return data;
    }

    [Theory]
    [MemberData(nameof(ForbiddenValueBytes))]
    public void TryParseRequestHead_ControlByteInAValue_IsRefusedNamingTheByte(byte control)
    {
        var error = Assert.Throws<MalformedHttpException>(() => Parse($"GET / HTTP/1.1\r\nHost: a\r\nX-Test: a{(char)control}b\r\n\r\n"));

        Assert.Equal(RejectionReason.InvalidHeaderLine, error.Reason);
        Assert.Contains($"0x{control:x2}", error.Message, StringComparison.Ordinal);
        Assert.Contains("'X-Test'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseRequestHead_TabAndObsTextInAValue_AreKept()
    {
        var request = Parse("GET / HTTP/1.1\r\nHost: a\r\nX-Test: a\tb\u00e9\r\n\r\n");

        Assert.Equal("a\tb\u00e9", request.Headers.Get("X-Test"));
    }

    public static TheoryData<char> NonTokenNameChars()
    {
        var data = new TheoryData<char>();
        foreach (var c in "\"(),/;<=>?@[\\]{} \u00e9")
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NonTokenNameChars))]
    public void TryParseRequestHead_NonTokenCharacterInAName_IsRefused(char c)
    {
        var error = Assert.Throws<MalformedHttpException>(() => Parse($"GET / HTTP/1.1\r\nHost: a\r\nX{c}Y: 1\r\n\r\n"));

        Assert.Equal(RejectionReason.InvalidHeaderLine, error.Reason);
    }

    private static HttpRequest Parse(string head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)));
        Assert.True(Http1Parser.TryParseRequestHead(ref reader, Limits, out var request));
        return request!;
    }
}
