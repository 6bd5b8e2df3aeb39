using System.Buffers;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// Collects a body of unknown length. Up to 1 MiB it lives in pooled 64 KiB segments and ends as one
/// array of its exact size (a small copy). Past that it moves to 1 MiB arrays of its own, which
/// become the message's <see cref="SegmentedBody"/> as they are: a large body is held once, plus at
/// most one part-filled segment (issue 19: a 200 MiB chunked upload peaked at 2x through the final copy).
/// </summary>
internal sealed class SegmentedBuffer : IDisposable
{
    private const int PooledSegmentSize = 64 * 1024;
    private const int LargeSegmentSize = 1024 * 1024;
    private readonly List<byte[]> _segments = [];
    private bool _pooled = true;
    private int _lastUsed;

    public long Length { get; private set; }

    private int SegmentSize => _pooled ? PooledSegmentSize : LargeSegmentSize;

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
            if (_segments.Count == 0 || _lastUsed == SegmentSize)
            {
                AddSegment();
            }

            var n = Math.Min(data.Length, SegmentSize - _lastUsed);
            data[..n].CopyTo(_segments[^1].AsSpan(_lastUsed));
            _lastUsed += n;
            Length += n;
            data = data[n..];
        }
    }

    /// <summary>Hands the bytes over and empties the buffer: one exact array while small, the segments themselves once large.</summary>
    public SegmentedBody Detach()
    {
        SegmentedBody body;
        if (_pooled)
        {
            var array = GC.AllocateUninitializedArray<byte>((int)Length);
            for (var i = 0; i < _segments.Count; i++)
            {
                var used = i == _segments.Count - 1 ? _lastUsed : PooledSegmentSize;
                _segments[i].AsSpan(0, used).CopyTo(array.AsSpan(i * PooledSegmentSize));
            }

            ReturnPooled();
            body = new SegmentedBody([array], array.Length);
        }
        else
        {
            body = new SegmentedBody([.. _segments], Length);
        }

        _segments.Clear();
        _pooled = true;
        _lastUsed = 0;
        Length = 0;
        return body;
    }

    public void Dispose()
    {
        if (_pooled)
        {
            ReturnPooled();
        }

        _segments.Clear();
    }

    private void AddSegment()
    {
        if (_pooled && Length == LargeSegmentSize)
        {
            // The pooled segments are full and exactly fill the first large one: move them there.
            var first = GC.AllocateUninitializedArray<byte>(LargeSegmentSize);
            for (var i = 0; i < _segments.Count; i++)
            {
                _segments[i].AsSpan(0, PooledSegmentSize).CopyTo(first.AsSpan(i * PooledSegmentSize));
            }

            ReturnPooled();
            _segments.Clear();
            _segments.Add(first);
            _pooled = false;
        }

        _segments.Add(_pooled ? ArrayPool<byte>.Shared.Rent(PooledSegmentSize) : GC.AllocateUninitializedArray<byte>(LargeSegmentSize));
        _lastUsed = 0;
    }

    private void ReturnPooled()
    {
        foreach (var segment in _segments)
        {
            ArrayPool<byte>.Shared.Return(segment);
        }
    }
}
