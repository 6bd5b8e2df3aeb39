using System.Buffers;
using MitmFixture.Proxy;

namespace MitmFixture.Tests.Proxy;

public sealed class Socks5ParserTests
{
    private static readonly byte[] DomainRequest = [0x05, 0x01, 0x00, 0x03, 11, .. "example.com"u8, 0x01, 0xBB];

    [Fact]
    public void TryParseRequest_EveryPrefix_NeedsMoreAndConsumesNothing()
    {
        for (var length = 0; length < DomainRequest.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(DomainRequest, 0, length));

            Assert.False(Socks5Parser.TryParseRequest(ref reader, out _, out _), $"prefix {length}");
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0x00, 0x50 }, "127.0.0.1", 80)]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x1F, 0x90 }, "::1", 8080)]
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 9, (byte)'l', (byte)'o', (byte)'c', (byte)'a', (byte)'l', (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0x01, 0xBB }, "localhost", 443)]
    public void TryParseRequest_EachAddressType_GivesHostAndPort(byte[] bytes, string host, int port)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.True(Socks5Parser.TryParseRequest(ref reader, out var parsedHost, out var parsedPort));
        Assert.Equal((host, port), (parsedHost, parsedPort));
        Assert.Equal(bytes.Length, reader.Consumed);
    }

    [Theory]
    [InlineData(new byte[] { 0x05, 0x02, 0x00, 0x01, 127, 0, 0, 1, 0, 80 }, 0x07)] // BIND
    [InlineData(new byte[] { 0x05, 0x03, 0x00, 0x01, 127, 0, 0, 1, 0, 80 }, 0x07)] // UDP ASSOCIATE
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x05, 127, 0, 0, 1, 0, 80 }, 0x08)] // no such address type
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 0, 0, 80 }, 0x01)] // empty domain
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 3, (byte)'a', (byte)'/', (byte)'b', 0, 80 }, 0x01)] // not a host name
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x03, 3, (byte)'a', 0x0A, (byte)'b', 0, 80 }, 0x01)] // control character
    [InlineData(new byte[] { 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 0 }, 0x01)] // port 0
    [InlineData(new byte[] { 0x05, 0x01, 0x01, 0x01, 127, 0, 0, 1, 0, 80 }, 0x01)] // reserved byte set
    [InlineData(new byte[] { 0x04, 0x01, 0x00, 0x01, 127, 0, 0, 1, 0, 80 }, 0x01)] // wrong version
    public void TryParseRequest_BadRequest_RefusedWithTheRfc1928ReplyCode(byte[] bytes, byte code)
    {
        var error = Assert.Throws<Socks5Exception>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            Socks5Parser.TryParseRequest(ref reader, out _, out _);
        });

        Assert.Equal(new byte[] { 0x05, code, 0x00, 0x01, 0, 0, 0, 0, 0, 0 }, error.Reply);
    }

    [Theory]
    [InlineData(new byte[] { 0x04, 0x01, 0x00, 0x50 }, "SOCKS4")]
    [InlineData(new byte[] { (byte)'G', (byte)'E', (byte)'T', (byte)' ' }, "HTTP")]
    [InlineData(new byte[] { 0x05, 0x00 }, "no authentication method")]
    public void TryParseGreeting_NotAGreeting_NoAcceptableMethods(byte[] bytes, string reason)
    {
        var error = Assert.Throws<Socks5Exception>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
            Socks5Parser.TryParseGreeting(ref reader, out _);
        });

        Assert.Equal(new byte[] { 0x05, 0xFF }, error.Reply);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseCredentials_EveryPrefix_NeedsMore_ThenGivesUserAndPassword()
    {
        byte[] bytes = [0x01, 4, .. "user"u8, 6, .. "s3cr3t"u8];
        for (var length = 0; length < bytes.Length; length++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(Socks5Parser.TryParseCredentials(ref partial, out _, out _), $"prefix {length}");
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));

        Assert.True(Socks5Parser.TryParseCredentials(ref reader, out var user, out var pass));
        Assert.Equal(("user", "s3cr3t"), (user, pass));
    }
}
