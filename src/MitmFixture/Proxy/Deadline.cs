namespace MitmFixture.Proxy;

/// <summary>
/// A reusable per-connection timeout: arming it returns a token that fires after the given time or
/// when the proxy shuts down. One source per connection, reset between reads, so the hot path does
/// not allocate a token source per request.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationToken _shutdown;
    private CancellationTokenSource _source;

    public Deadline(CancellationToken shutdown)
    {
        _shutdown = shutdown;
        _source = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
    }

    /// <summary>True when the last armed token fired because time ran out rather than shutdown.</summary>
    public bool Expired => _source.IsCancellationRequested && !_shutdown.IsCancellationRequested;

    public CancellationToken Arm(TimeSpan timeout)
    {
        if (!_source.TryReset())
        {
            _source.Dispose();
            _source = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
        }

        _source.CancelAfter(timeout);
        return _source.Token;
    }

    public void Dispose() => _source.Dispose();
}
