namespace MitmFixture.Proxy;

/// <summary>
/// A reusable per-connection timeout: arming it returns a token that fires once the time is up or
/// the proxy shuts down. Arming only stores an expiry time; the proxy's <see cref="DeadlineHeartbeat"/>
/// checks it on the injected clock. Nothing is allocated or registered until the first arm: an HTTP/2
/// stream's session holds deadlines it never arms, and made eagerly they were three linked token
/// sources and three heartbeat entries per stream (bench/RESULTS.md, "HTTP/2 throughput, second pass").
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly DeadlineHeartbeat _heartbeat;
    private readonly CancellationToken _shutdown;
    private readonly Lock _gate = new();
    private CancellationTokenSource? _source; // made on the first arm, and again after each expiry
    private long _expiresAt = long.MaxValue;
    private bool _expired;
    private bool _watched; // added to the heartbeat (on the first arm)
    private bool _disposed;

    /// <param name="heartbeat">The clock that checks this deadline.</param>
    /// <param name="shutdown">A token that also ends the armed token, without counting as expired (the proxy's shutdown, or an exchange's own token).</param>
    public Deadline(DeadlineHeartbeat heartbeat, CancellationToken shutdown)
    {
        _heartbeat = heartbeat;
        _shutdown = shutdown;
    }

    /// <summary>True when the last armed token fired because time ran out rather than shutdown.</summary>
    public bool Expired => _expired && !_shutdown.IsCancellationRequested;

    /// <summary>The clock deadlines run on, in milliseconds.</summary>
    public long Now => _heartbeat.Now;

    public CancellationToken Arm(TimeSpan timeout) => ArmAt(Now + (long)timeout.TotalMilliseconds);

    /// <summary>Arms for an absolute time on the <see cref="Now"/> clock; one in the past fires on the next heartbeat.</summary>
    public CancellationToken ArmAt(long expiresAt)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_source is null || _source.IsCancellationRequested)
            {
                _source?.Dispose();
                _source = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
            }

            if (!_watched)
            {
                _watched = true;
                _heartbeat.Add(this);
            }

            _expired = false;
            _expiresAt = expiresAt;
            return _source.Token;
        }
    }

    /// <summary>Stops the clock after the guarded operation finished, so it cannot fire late.</summary>
    public void Disarm()
    {
        lock (_gate)
        {
            _expiresAt = long.MaxValue;
        }
    }

    /// <summary>Called by the heartbeat: cancels the armed token once <paramref name="now"/> passed its expiry.</summary>
    internal void ExpireIfDue(long now)
    {
        // Cancelled under the lock so an Arm racing with this tick cannot have its fresh read
        // cancelled; Lock is reentrant if a continuation runs inline and arms again.
        lock (_gate)
        {
            if (now < _expiresAt || _source is null || _source.IsCancellationRequested)
            {
                return;
            }

            _expired = true;
            _expiresAt = long.MaxValue;
            try
            {
                _source.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            if (_watched)
            {
                _heartbeat.Remove(this);
            }

            _source?.Dispose();
        }
    }
}
