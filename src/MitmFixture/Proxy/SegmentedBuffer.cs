using System.Buffers;

namespace MitmFixture.Proxy;

/// <summary>
/// Collects a body of unknown length in pooled 64 KiB segments, then copies it once into an array
/// of the exact size. Peak memory is about twice the body (segments plus the array), where a
/// doubling buffer and its final copy reached four times: the previous array, the doubled one
/// (up to twice the body) and the copy.
/// </summary>
internal sealed class SegmentedBuffer : IDisposable
{
    private const int SegmentSize = 64 * 1024;
    private readonly List<byte[]> _segments = [];
    private int _lastUsed = SegmentSize;

    public long Length { get; private set; }

    public void Write(ReadOnlySequence<byte> data)
    {
        foreach (var memory in data)
        {
            Write(memory.Span);
        }
    }

    public void Write(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_lastUsed == SegmentSize)
            {
                _segments.Add(ArrayPool<byte>.Shared.Rent(SegmentSize));
                _lastUsed = 0;
            }

            var n = Math.Min(data.Length, SegmentSize - _lastUsed);
            data[..n].CopyTo(_segments[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>The bytes in one array, each segment going back to the pool as soon as it is copied.</summary>
    public byte[] ToArray()
    {
        var result = GC.AllocateUninitializedArray<byte>(checked((int)Length));
        var offset = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            var used = i == _segments.Count - 1 ? _lastUsed : SegmentSize;
            _segments[i].AsSpan(0, used).CopyTo(result.AsSpan(offset));
            offset += used;
            ArrayPool<byte>.Shared.Return(_segments[i]);
        }

        _segments.Clear();
        _lastUsed = SegmentSize;
        Length = 0;
        return result;
    }

    public void Dispose()
    {
        foreach (var segment in _segments)
        {
            ArrayPool<byte>.Shared.Return(segment);
        }

        _segments.Clear();
    }
}
