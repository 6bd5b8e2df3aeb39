using System.Collections.Concurrent;

namespace MitmFixture.Proxy;

/// <summary>
/// One proxy's clock for its <see cref="Deadline"/>s: a single timer on the proxy's
/// <see cref="TimeProvider"/> checks every armed deadline four times a second (Kestrel's heartbeat
/// does the same), because a timer per read cost a measurable share of a proxied request. On the
/// injected clock, a test's fake time drives every read, idle and rate timeout.
/// </summary>
internal sealed class DeadlineHeartbeat : IDisposable
{
    /// <summary>How often deadlines are checked: a timeout fires up to this late.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<Deadline, byte> _active = new();
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ITimer _timer;

    public DeadlineHeartbeat(TimeProvider time)
    {
        _time = time;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static state => ((DeadlineHeartbeat)state!).Tick(), this, Period, Period);
    }

    /// <summary>Milliseconds since this heartbeat started, on the injected clock.</summary>
    public long Now => (long)_time.GetElapsedTime(_origin).TotalMilliseconds;

    public void Add(Deadline deadline) => _active.TryAdd(deadline, 0);

    public void Remove(Deadline deadline) => _active.TryRemove(deadline, out _);

    private void Tick()
    {
        var now = Now;
        foreach (var deadline in _active.Keys)
        {
            deadline.ExpireIfDue(now);
        }
    }

    public void Dispose() => _timer.Dispose();
}
