using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// Times the reads of one body. Every read gets the per-read timeout; with a minimum rate (Kestrel's
/// MinRequestBodyDataRate) the body must also keep up its average once the grace period is over.
/// Only time spent waiting for the peer counts: while the proxy writes to the other side (a slow
/// server pushing back on a streamed upload) the clock stands still, as Kestrel pauses its timing
/// while the application is not reading.
/// </summary>
internal sealed class BodyReadClock(Deadline deadline, TimeSpan readTimeout, MinDataRate? minRate = null)
{
    private long _waitingSince = -1;
    private long _waited;
    private long _bytes;
    private bool _rateArmed;

    /// <summary>True when the last read was cut because the body came in slower than the minimum rate.</summary>
    public bool RateMissed => _rateArmed && deadline.Expired;

    /// <summary>True when the last read was cut by the per-read timeout.</summary>
    public bool TimedOut => !_rateArmed && deadline.Expired;

    public MinDataRate? MinRate => minRate;

    /// <summary>The token for the next read; call <see cref="Received"/> once it returned.</summary>
    public CancellationToken Arm()
    {
        var now = deadline.Now;
        _waitingSince = now;
        var expiresAt = now + (long)readTimeout.TotalMilliseconds;
        _rateArmed = false;
        if (minRate is { } rate)
        {
            // The moment the average (bytes / time waited) would drop below the rate, never inside the grace period.
            var allowedMs = Math.Max(rate.GracePeriod.TotalMilliseconds, _bytes * 1000 / rate.BytesPerSecond);
            var rateExpiresAt = now + (long)Math.Min(allowedMs - _waited, long.MaxValue / 4);
            if (rateExpiresAt < expiresAt)
            {
                expiresAt = rateExpiresAt;
                _rateArmed = true;
            }
        }

        return deadline.ArmAt(expiresAt);
    }

    /// <summary>Ends the wait of the last <see cref="Arm"/> and counts <paramref name="bytes"/> consumed by it.</summary>
    public void Received(long bytes)
    {
        if (_waitingSince >= 0)
        {
            _waited += deadline.Now - _waitingSince;
            _waitingSince = -1;
        }

        _bytes += bytes;
    }
}
