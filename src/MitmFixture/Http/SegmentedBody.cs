namespace MitmFixture.Http;

/// <summary>
/// A body kept as the arrays it was received into, so a large body of unknown length (chunked, or
/// read until close) costs its size once instead of twice: no final copy into one contiguous array
/// unless something asks for <see cref="HttpMessage.Body"/>. The arrays are never written again,
/// so copies of a message may share them.
/// </summary>
internal sealed class SegmentedBody
{
    private readonly byte[][] _segments;

    /// <param name="segments">Arrays filled in order; all are full except the last, which holds what remains of <paramref name="length"/>.</param>
    public SegmentedBody(byte[][] segments, long length)
    {
        _segments = segments;
        Length = length;
    }

    public long Length { get; }

    /// <summary>The one array holding the whole body, when it is held that way.</summary>
    public byte[]? SingleArray => _segments is [var only] && only.Length == Length ? only : null;

    /// <summary>The body's bytes in order, each piece at most <paramref name="maxSlice"/> long.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Slices(int maxSlice)
    {
        var left = Length;
        foreach (var segment in _segments)
        {
            var used = (int)Math.Min(segment.Length, left);
            for (var offset = 0; offset < used; offset += maxSlice)
            {
                yield return segment.AsMemory(offset, Math.Min(maxSlice, used - offset));
            }

            left -= used;
        }
    }

    /// <summary>One contiguous copy (what <see cref="HttpMessage.Body"/> hands to addons, filters and recorders).</summary>
    public byte[] ToArray()
    {
        var result = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        var offset = 0;
        foreach (var slice in Slices(int.MaxValue))
        {
            slice.Span.CopyTo(result.AsSpan(offset));
            offset += slice.Length;
        }

        return result;
    }
}
