using System.IO.Pipelines;

namespace MitmFixture.Proxy;

/// <summary>A pipe writer that forgets what it is given.</summary>
internal sealed class NullPipeWriter : PipeWriter
{
    public static readonly NullPipeWriter Instance = new();

    private byte[] _buffer = new byte[4096];

    public override void Advance(int bytes)
    {
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => EnsureBuffer(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => EnsureBuffer(sizeHint).Span;

    public override void CancelPendingFlush()
    {
    }

    public override void Complete(Exception? exception = null)
    {
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => default;

    private Memory<byte> EnsureBuffer(int sizeHint)
    {
        if (sizeHint > _buffer.Length)
        {
            _buffer = new byte[sizeHint];
        }

        return _buffer;
    }
}
