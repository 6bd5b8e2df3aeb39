namespace MitmFixture.Proxy;

/// <summary>
/// A reusable per-connection timeout: arming it returns a token that fires once the time is up or
/// the proxy shuts down. Arming only stores an expiry time; the proxy's <see cref="DeadlineHeartbeat"/>
/// checks it on the injected clock.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private readonly DeadlineHeartbeat _heartbeat;
    private readonly CancellationToken _shutdown;
    private readonly Lock _gate = new();
    private CancellationTokenSource _source;
    private long _expiresAt = long.MaxValue;
    private bool _expired;

    public Deadline(DeadlineHeartbeat heartbeat, CancellationToken shutdown)
    {
        _heartbeat = heartbeat;
        _shutdown = shutdown;
        _source = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        heartbeat.Add(this);
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
            if (_source.IsCancellationRequested)
            {
                _source.Dispose();
                _source = CancellationTokenSource.CreateLinkedTokenSource(_shutdown);
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
            if (now < _expiresAt || _source.IsCancellationRequested)
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
        _heartbeat.Remove(this);
        lock (_gate)
        {
            _source.Dispose();
        }
    }
}
