using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

public sealed class Http2CleartextTests
{
    private static readonly byte[] Preface = Http2Cleartext.Preface.ToArray();

    public static TheoryData<int> PrefixLengths() => new(Enumerable.Range(1, Preface.Length - 1));

    [Theory]
    [MemberData(nameof(PrefixLengths))]
    public void Match_EveryPrefixOfThePreface_IsPartial(int length) =>
        Assert.Equal(PrefaceMatch.Partial, Http2Cleartext.Match(new ReadOnlySequence<byte>(Preface, 0, length)));

    [Fact]
    public void Match_PrefaceFollowedByFrames_IsFull()
    {
        var bytes = Preface.Concat(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }).ToArray();

        Assert.Equal(PrefaceMatch.Full, Http2Cleartext.Match(new ReadOnlySequence<byte>(bytes)));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("POST / HTTP/1.1\r\n")]
    [InlineData("PRI / HTTP/1.1\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")]
    public void Match_Http1Request_IsNo(string start) =>
        Assert.Equal(PrefaceMatch.No, Http2Cleartext.Match(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(start))));

    [Fact]
    public void WriteRefusal_IsEmptySettingsThenGoawayHttp11RequiredWithTheReason()
    {
        var output = new ArrayBufferWriter<byte>();

        Http2Cleartext.WriteRefusal(output, "because");

        var frames = output.WrittenSpan;
        Assert.Equal(new byte[] { 0, 0, 0, 0x4, 0, 0, 0, 0, 0 }, frames[..9].ToArray());
        var goaway = frames[9..];
        Assert.Equal(8 + 7, (goaway[0] << 16) | (goaway[1] << 8) | goaway[2]);
        Assert.Equal(0x7, goaway[3]);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(goaway[5..])); // stream 0
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(goaway[9..])); // last stream id
        Assert.Equal(0xdu, BinaryPrimitives.ReadUInt32BigEndian(goaway[13..])); // HTTP_1_1_REQUIRED
        Assert.Equal("because", Encoding.UTF8.GetString(goaway[17..]));
    }
}
