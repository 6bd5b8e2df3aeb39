using System.Buffers;
using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class Http1ParserTests
{
    private static readonly HttpLimits Limits = new();

    private const string Complete = "POST http://example.com:8080/a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com:8080\r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Length: 3\r\n\r\n";

    public static TheoryData<int> Prefixes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Complete.Length; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Prefixes))]
    public void TryParseRequestHead_EveryPrefix_AsksForMore(int length)
    {
        var reader = Reader(Complete[..length]);

        Assert.False(Http1Parser.TryParseRequestHead(ref reader, Limits, out _));
    }

    [Fact]
    public void TryParseRequestHead_AbsoluteForm_FillsTargetAndKeepsHeaderOrderAndCase()
    {
        var reader = Reader(Complete + "abc");

        Assert.True(Http1Parser.TryParseRequestHead(ref reader, Limits, out var request));

        Assert.Equal("POST", request!.Method);
        Assert.Equal(("http", "example.com", 8080, "/a/b?x=1&y=2"), (request.Scheme, request.Host, request.Port, request.Path));
        Assert.Equal(RequestTargetForm.Absolute, request.TargetForm);
        Assert.Equal(["Host", "X-Dup", "x-dup", "Content-Length"], request.Headers.Select(h => h.Name));
        Assert.Equal(3, reader.Remaining); // the body is left for the body reader
    }

    [Fact]
    public void TryParseRequestHead_ConnectAuthorityForm()
    {
        var reader = Reader("CONNECT [::1]:443 HTTP/1.1\r\n\r\n");

        Assert.True(Http1Parser.TryParseRequestHead(ref reader, Limits, out var request));

        Assert.Equal(("::1", 443, RequestTargetForm.Authority), (request!.Host, request.Port, request.TargetForm));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\n Folded: x\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\nHost: x\n\n", 400)]
    [InlineData("G@T / HTTP/1.1\r\n\r\n", 400)]
    [InlineData("GET / HTTP/3.0\r\n\r\n", 505)]
    [InlineData("GET  / HTTP/1.1\r\n\r\n", 400)]
    public void TryParseRequestHead_Malformed_ThrowsWithStatus(string text, int status)
    {
        var error = Assert.Throws<MalformedHttpException>(() =>
        {
            var reader = Reader(text);
            Http1Parser.TryParseRequestHead(ref reader, Limits, out _);
        });

        Assert.Equal(status, error.StatusCode);
    }

    [Fact]
    public void TryParseResponseHead_ReasonWithSpacesAndNoReason()
    {
        var reader = Reader("HTTP/1.1 404 Not Found Here\r\nA: b\r\n\r\n");
        Assert.True(Http1Parser.TryParseResponseHead(ref reader, Limits, out var response));
        Assert.Equal((404, "Not Found Here"), (response!.StatusCode, response.Reason));

        var bare = Reader("HTTP/1.1 204\r\n\r\n");
        Assert.True(Http1Parser.TryParseResponseHead(ref bare, Limits, out var noReason));
        Assert.Equal(204, noReason!.StatusCode);
    }

    [Fact]
    public void ChunkedDecoder_SplitAnywhere_YieldsTheSameBodyAndTrailers()
    {
        const string wire = "4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n";
        for (var split = 0; split <= wire.Length; split++)
        {
            var decoder = new ChunkedDecoder(Limits);
            var body = new StringBuilder();
            Feed(decoder, wire[..split], body, out var rest);
            Feed(decoder, rest + wire[split..], body, out _);

            Assert.True(decoder.IsDone, $"split at {split}");
            Assert.Equal("Wikipedia", body.ToString());
            Assert.Equal("9", decoder.Trailers!["X-Sum"]);
        }
    }

    [Theory]
    [InlineData("zz\r\n")]
    [InlineData("4\r\nWikiXX")]
    [InlineData("4\n")]
    public void ChunkedDecoder_Malformed_Throws(string wire)
    {
        var decoder = new ChunkedDecoder(Limits);

        Assert.Throws<MalformedHttpException>(() => Feed(decoder, wire, new StringBuilder(), out _));
    }

    [Fact]
    public void TryParseHeaders_Incomplete_LeavesTheListAlone_ThenAppendsEveryFieldOnceInOrder()
    {
        var headers = new HttpHeaders(("Existing", "0"));
        var partial = Reader("A: 1\r\nB: 2\r\n");

        Assert.False(Http1Parser.TryParseHeaders(ref partial, strict: true, Limits, headers));
        Assert.Equal(["Existing"], headers.Select(f => f.Name));

        var whole = Reader("A: 1\r\nB: 2\r\na: 3\r\n\r\n");

        Assert.True(Http1Parser.TryParseHeaders(ref whole, strict: true, Limits, headers));
        Assert.Equal(["Existing: 0", "A: 1", "B: 2", "a: 3"], headers.Select(f => $"{f.Name}: {f.Value}"));
    }

    [Fact]
    public void TryParseHeaders_FieldsAlreadyInTheList_CountTowardsTheLimit()
    {
        var limits = new HttpLimits { MaxHeaderCount = 3 };
        var headers = new HttpHeaders(("One", "1"), ("Two", "2"));
        var e = Assert.Throws<MalformedHttpException>(() =>
        {
            var reader = Reader("Three: 3\r\nFour: 4\r\n\r\n");
            Http1Parser.TryParseHeaders(ref reader, strict: true, limits, headers);
        });

        Assert.Contains("more than 3 header fields", e.Message);
    }

    private static void Feed(ChunkedDecoder decoder, string text, StringBuilder body, out string unconsumed)
    {
        var reader = Reader(text);
        while (decoder.TryDecode(ref reader, out var data) && !decoder.IsDone)
        {
            body.Append(Encoding.Latin1.GetString(data.ToArray()));
        }

        unconsumed = Encoding.Latin1.GetString(reader.UnreadSequence.ToArray());
    }

    private static SequenceReader<byte> Reader(string text) => new(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)));
}
