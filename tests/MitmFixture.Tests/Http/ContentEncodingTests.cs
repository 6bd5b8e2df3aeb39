using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class ContentEncodingTests
{
    [Theory]
    [InlineData("gzip", "1f8b0800000000000000ffffffff")] // a gzip header, then a deflate block of reserved type 3
    [InlineData("deflate", "ffffffff")]
    [InlineData("br", "1f8b0800000000000403e302009306d73201000000")] // a gzip stream: BrotliStream throws InvalidOperationException on it
    public void TryDecode_CorruptBody_ReturnsFalseAndTheBodyAsItWas(string encoding, string hex)
    {
        var corrupt = Convert.FromHexString(hex);

        Assert.False(ContentEncoding.TryDecode(corrupt, encoding, out var decoded));
        Assert.Same(corrupt, decoded);
    }
}
