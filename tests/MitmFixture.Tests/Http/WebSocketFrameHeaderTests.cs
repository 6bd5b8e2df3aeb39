using System.Buffers;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Http;

public sealed class WebSocketFrameHeaderTests
{
    [Fact]
    public void Unmask_AnyOffsetAndLength_MatchesTheByteByByteDefinition()
    {
        var header = new WebSocketFrameHeader(true, WebSocketOpcode.Binary, 100, Masked: true, MaskKey: 0x11223344);
        byte[] key = [0x11, 0x22, 0x33, 0x44];
        for (var offset = 0; offset < 8; offset++)
        {
            for (var length = 0; length < 40; length++)
            {
                var bytes = TestUpstream.Pattern(length);
                var expected = bytes.Select((b, i) => (byte)(b ^ key[(offset + i) % 4])).ToArray();

                header.Unmask(bytes, offset);

                Assert.Equal(expected, bytes);
            }
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(125, true)]
    [InlineData(126, true)]
    [InlineData(65_536, true)]
    [InlineData(70_000, false)]
    public void TryParse_WhatWriteWrote_RoundTripsAndNeedsEveryByte(long length, bool masked)
    {
        var written = WebSocketFrameHeader.Create(fin: false, WebSocketOpcode.Text, length, masked);
        var output = new ArrayBufferWriter<byte>();
        written.Write(output);
        var bytes = output.WrittenMemory;

        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes[..cut]));
            Assert.False(WebSocketFrameHeader.TryParse(ref partial, masked, long.MaxValue, out _));
            Assert.Equal(0, partial.Consumed);
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(WebSocketFrameHeader.TryParse(ref reader, masked, long.MaxValue, out var parsed));
        Assert.Equal(written, parsed);
        Assert.Equal(bytes.Length, reader.Consumed);
    }

    [Fact]
    public void TryParse_PayloadOverTheLimit_Throws1009BeforeThePayload()
    {
        var output = new ArrayBufferWriter<byte>();
        WebSocketFrameHeader.Create(fin: true, WebSocketOpcode.Binary, 1001, mask: true).Write(output);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(output.WrittenMemory));

        WebSocketProtocolException? error = null;
        try
        {
            WebSocketFrameHeader.TryParse(ref reader, expectMasked: true, maxPayload: 1000, out _);
        }
        catch (WebSocketProtocolException e)
        {
            error = e;
        }

        Assert.Equal(1009, error?.CloseCode);
        Assert.Contains("1000-byte limit", error!.Message, StringComparison.Ordinal);
    }
}
