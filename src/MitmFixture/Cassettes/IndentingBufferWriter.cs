using System.Buffers;

namespace MitmFixture.Cassettes;

/// <summary>
/// Receives a flow's JSON from Utf8JsonWriter and keeps it indented one level further (to sit
/// inside the cassette's "flows" array) in 1 MiB chunks: a large body's JSON is held once while it
/// is written, not in a doubling buffer, its copy and an indented copy (issue 19). JSON strings
/// never hold a raw newline, so indenting after every LF is safe.
/// </summary>
internal sealed class IndentingBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int ChunkBytes = 1024 * 1024;

    private readonly byte[] _indent;
    private readonly List<byte[]> _chunks = [];
    private byte[] _scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private int _lastChunkLength = ChunkBytes; // no chunk yet: the next byte opens one

    public IndentingBufferWriter(byte[] indent)
    {
        _indent = indent;
        Append(indent);
    }

    public int Length => _chunks.Count == 0 ? 0 : ((_chunks.Count - 1) * ChunkBytes) + _lastChunkLength;

    public void Advance(int count)
    {
        var written = _scratch.AsSpan(0, count);
        while (true)
        {
            var end = written.IndexOf((byte)'\n');
            if (end < 0)
            {
                Append(written);
                return;
            }

            Append(written[..(end + 1)]);
            Append(_indent);
            written = written[(end + 1)..];
        }
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureScratch(sizeHint);
        return _scratch;
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureScratch(sizeHint);
        return _scratch;
    }

    /// <summary>Everything written, as one exactly sized array.</summary>
    public byte[] ToArray()
    {
        var output = new byte[Length];
        var at = 0;
        for (var i = 0; i < _chunks.Count; i++)
        {
            var length = i == _chunks.Count - 1 ? _lastChunkLength : ChunkBytes;
            _chunks[i].AsSpan(0, length).CopyTo(output.AsSpan(at));
            at += length;
        }

        return output;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_scratch);
        _scratch = [];
    }

    private void EnsureScratch(int sizeHint)
    {
        if (sizeHint > _scratch.Length)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_lastChunkLength == ChunkBytes)
            {
                _chunks.Add(new byte[ChunkBytes]);
                _lastChunkLength = 0;
            }

            var take = Math.Min(bytes.Length, ChunkBytes - _lastChunkLength);
            bytes[..take].CopyTo(_chunks[^1].AsSpan(_lastChunkLength));
            _lastChunkLength += take;
            bytes = bytes[take..];
        }
    }
}
