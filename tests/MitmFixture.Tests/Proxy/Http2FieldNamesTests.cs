using MitmFixture.Proxy;

namespace MitmFixture.Tests.Proxy;

/// <summary>HTTP/2's lowercase field names (RFC 9113 §8.2.1) restored from .NET's canonical-cased known names.</summary>
public sealed class Http2FieldNamesTests
{
    [Theory]
    [InlineData("User-Agent", "user-agent")]
    [InlineData("Content-Type", "content-type")]
    [InlineData("X-Custom-HEADER", "x-custom-header")]
    [InlineData("ETag", "etag")]
    public void Lowercase_CanonicalName_IsLowered(string name, string expected)
    {
        Assert.Equal(expected, Http2FieldNames.Lowercase(name));
        Assert.Equal(expected, Http2FieldNames.Lowercase(name)); // the second time from the cache
    }

    [Fact]
    public void Lowercase_AlreadyLowercase_ReturnsTheSameString()
    {
        var name = new string("x-trace-id".AsSpan());

        Assert.Same(name, Http2FieldNames.Lowercase(name));
    }

    [Fact]
    public void Lowercase_KnownName_ReturnsOneSharedString()
    {
        Assert.Same(Http2FieldNames.Lowercase("Accept-Encoding"), Http2FieldNames.Lowercase("Accept-Encoding"));
    }

    [Fact]
    public void Lowercase_ManyDistinctUppercaseNames_AllLoweredCorrectly()
    {
        // More than the cache keeps: past its cap names are lowered without being kept.
        for (var i = 0; i < 2_000; i++)
        {
            Assert.Equal($"x-name-{i}", Http2FieldNames.Lowercase($"X-Name-{i}"));
        }
    }
}
