using System.Collections.Concurrent;

namespace MitmFixture.Proxy;

/// <summary>
/// A reusable per-connection timeout: arming it returns a token that fires once the time is up or
/// the proxy shuts down. Arming only stores an expiry time; one shared heartbeat checks every
/// deadline four times a second (Kestrel's heartbeat does the same), because a timer per read cost
/// a measurable share of a proxied request.
/// </summary>
internal sealed class Deadline : IDisposable
{
    private static readonly ConcurrentDictionary<Deadline, byte> Active = new();
    private static readonly Timer Heartbeat = new(static _ => Tick(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));

    private readonly CancellationToken _shutdown;
    private readonly Lock _gate = new();
    private CancellationTokenSource _source;
    private long _expiresAt = long.MaxValue;
    private bool _expired;

    public Deadline(CancellationToken shutdown)
    {
        _ = Heartbeat; // started on first use
        _shutdown = shutdown;
        _source = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        Active.TryAdd(this, 0);
    }

    /// <summary>True when the last armed token fired because time ran out rather than shutdown.</summary>
    public bool Expired => _expired && !_shutdown.IsCancellationRequested;

    /// <summary>The clock deadlines run on, in milliseconds.</summary>
    public static long Now => Environment.TickCount64;

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

    private static void Tick()
    {
        var now = Now;
        foreach (var deadline in Active.Keys)
        {
            deadline.ExpireIfDue(now);
        }
    }

    private void ExpireIfDue(long now)
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
        Active.TryRemove(this, out _);
        lock (_gate)
        {
            _source.Dispose();
        }
    }
}
