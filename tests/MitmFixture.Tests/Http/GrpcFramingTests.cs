using System.Buffers;
using MitmFixture.Http;

namespace MitmFixture.Tests.Http;

/// <summary>gRPC's length-prefixed messages (GrpcFraming), parsed without I/O.</summary>
public sealed class GrpcFramingTests
{
    private static readonly byte[] TwoMessages = [0, 0, 0, 0, 2, 0xAA, 0xBB, 1, 0, 0, 0, 0];

    [Fact]
    public void TryRead_EveryPrefixOfTwoMessages_ReadsOnlyWholeMessages_AndLeavesTheRest()
    {
        for (var length = 0; length <= TwoMessages.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(TwoMessages, 0, length));
            var read = new List<(bool, byte[])>();
            while (GrpcFraming.TryRead(ref reader, 1024, out var compressed, out var payload))
            {
                read.Add((compressed, payload.ToArray()));
            }

            var expected = length < 7 ? 0 : length < 12 ? 1 : 2;
            Assert.Equal(expected, read.Count);
            Assert.Equal(expected == 0 ? 0 : expected == 1 ? 7 : 12, reader.Consumed); // never inside a message
            if (expected == 2)
            {
                Assert.Equal([0xAA, 0xBB], read[0].Item2);
                Assert.True(read[1].Item1);
                Assert.Empty(read[1].Item2);
            }
        }
    }

    [Fact]
    public void TryRead_LengthOverTheLimit_ThrowsFromThePrefixAlone()
    {
        var error = Assert.Throws<GrpcFramingException>(() =>
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 4, 1 }));
            GrpcFraming.TryRead(ref reader, 1024, out _, out _);
        });

        Assert.Equal("a message announces 1025 bytes, over the 1024-byte limit (body_size_limit)", error.Message);
    }

    [Fact]
    public void SplitThenJoin_GivesTheBodyBack()
    {
        var messages = GrpcFraming.Split(TwoMessages, 1024);

        Assert.Equal(TwoMessages, GrpcFraming.Join(messages));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("Application/GRPC; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/grpc-web+proto", false)]
    [InlineData("application/grpc+", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpc_ByMediaType(string? contentType, bool expected) => Assert.Equal(expected, GrpcFraming.IsGrpc(contentType));
}
