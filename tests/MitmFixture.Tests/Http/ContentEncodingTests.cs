using System.IO.Compression;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class ContentEncodingTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData("gzip", "1f8b0800000000000000ffffffff")] // a gzip header, then a deflate block of reserved type 3
    [InlineData("deflate", "ffffffff")]
    [InlineData("br", "1f8b0800000000000403e302009306d73201000000")] // a gzip stream: BrotliStream throws InvalidOperationException on it
    [InlineData("zstd", "28b52ffd0000ffffffff")] // a zstd magic number, then garbage
    public void TryDecode_CorruptBody_ReturnsFalseAndTheBodyAsItWas(string encoding, string hex)
    {
        var corrupt = Convert.FromHexString(hex);

        Assert.False(ContentEncoding.TryDecode(corrupt, encoding, out var decoded));
        Assert.Same(corrupt, decoded);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("zstd")]
    [InlineData("zstd, gzip")]
    public void TryDecode_EveryCoding_RoundTripsSmallAndLargeBodies(string encoding)
    {
        foreach (var size in new[] { 10, 3 * 1024 * 1024 }) // one pass, and measured then decoded
        {
            var body = new byte[size];
            new Random(size).NextBytes(body.AsSpan(0, size / 2)); // half noise, half zeros

            Assert.True(ContentEncoding.TryEncode(body, encoding, out var encoded));
            Assert.True(ContentEncoding.TryDecode(encoded, encoding, 64 * MiB, out var decoded, out var problem));

            Assert.Null(problem);
            Assert.Equal(body, decoded);
        }
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("zstd")]
    public void TryDecode_BodyExpandingPastTheLimit_StopsKeepsTheEncodedBytesAndSaysWhy(string encoding)
    {
        Assert.True(ContentEncoding.TryEncode(new byte[8 * MiB], encoding, out var bomb));

        Assert.False(ContentEncoding.TryDecode(bomb, encoding, 2 * MiB, out var decoded, out var problem));

        Assert.Same(bomb, decoded);
        Assert.Equal($"the {encoding} body expands past the decoding limit of 2m (decode_limit); kept encoded", problem);
        Assert.True(ContentEncoding.TryDecode(bomb, encoding, 8 * MiB, out _, out _)); // exactly at the limit is fine
    }

    [Fact]
    public void DecodedBody_PastTheMessageLimit_IsTheRawBodyWithAProblem_AndTheCopySharesIt()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new byte[4 * MiB]);
        }

        var response = HttpResponse.Create(200, buffer.ToArray(), ("Content-Encoding", "gzip"));
        response.MaxDecodedBodyBytes = MiB;

        Assert.Same(response.Body, response.DecodedBody);
        Assert.Contains("decoding limit of 1m", response.DecodeProblem, StringComparison.Ordinal);
        Assert.Equal(response.DecodeProblem, response.Clone().DecodeProblem);

        response.MaxDecodedBodyBytes = 8 * MiB;
        response.Body = buffer.ToArray(); // a new body is decoded afresh
        Assert.Equal(4 * MiB, response.DecodedBody!.Length);
        Assert.Null(response.DecodeProblem);
    }

    [Fact]
    public void Parser_SetsTheDecodingLimitFromTheLimits()
    {
        var bytes = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        var reader = new System.Buffers.SequenceReader<byte>(new System.Buffers.ReadOnlySequence<byte>(bytes));

        Assert.True(Http1Parser.TryParseResponseHead(ref reader, new HttpLimits { MaxDecodedBodyBytes = 12345 }, out var response));

        Assert.Equal(12345, response!.MaxDecodedBodyBytes);
    }
}
