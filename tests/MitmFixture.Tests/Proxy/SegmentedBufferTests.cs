using MitmFixture.Proxy;

namespace MitmFixture.Tests.Proxy;

public sealed class SegmentedBufferTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65_536)]
    [InlineData(1_048_576)] // exactly the pooled part: still one array
    public void Detach_SmallBody_IsOneExactArray(int length)
    {
        var data = Pattern(length);
        using var buffer = new SegmentedBuffer();

        WriteInPieces(buffer, data, 10_000);
        var body = buffer.Detach();

        Assert.Equal(length, body.Length);
        Assert.Equal(data, body.SingleArray);
    }

    [Theory]
    [InlineData(1_048_577)]
    [InlineData(3 * 1_048_576)]
    [InlineData(3 * 1_048_576 + 12_345)]
    public void Detach_LargeBody_KeepsItsSegmentsAndTheirBytes(int length)
    {
        var data = Pattern(length);
        using var buffer = new SegmentedBuffer();

        WriteInPieces(buffer, data, 70_001);
        var body = buffer.Detach();

        Assert.Null(body.SingleArray); // no contiguous copy was made
        Assert.Equal(length, body.Length);
        Assert.Equal(data, body.ToArray());
        var slices = body.Slices(64 * 1024).ToList();
        Assert.All(slices, s => Assert.InRange(s.Length, 1, 64 * 1024));
        Assert.Equal(data, slices.SelectMany(s => s.ToArray()).ToArray());
        Assert.Equal(0, buffer.Length);
    }

    private static void WriteInPieces(SegmentedBuffer buffer, byte[] data, int piece)
    {
        for (var offset = 0; offset < data.Length; offset += piece)
        {
            buffer.Write(data.AsSpan(offset, Math.Min(piece, data.Length - offset)));
        }
    }

    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)(i % 251)).ToArray();
}
