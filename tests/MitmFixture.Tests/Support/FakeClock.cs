using Microsoft.Extensions.Time.Testing;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A fake clock for timeout tests: the proxy gets it as its <c>TimeProvider</c> and the test steps it
/// instead of sleeping, so a 30 s timeout is tested in a few real milliseconds.
/// </summary>
public static class FakeClock
{
    /// <summary>A fake clock that starts at the real time (certificates minted on it are valid now).</summary>
    public static FakeTimeProvider StartingNow() => new(DateTimeOffset.UtcNow);

    /// <summary>
    /// Steps <paramref name="time"/> by <paramref name="step"/> until <paramref name="done"/> holds,
    /// pausing briefly in real time between steps so the proxy's sockets can act on each. Returns the
    /// fake time that passed; fails once more than <paramref name="limit"/> of fake time passed.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilAsync(this FakeTimeProvider time, Func<bool> done, TimeSpan step, TimeSpan limit)
    {
        var start = time.GetUtcNow();
        while (!done())
        {
            var passed = time.GetUtcNow() - start;
            if (passed > limit)
            {
                throw new TimeoutException($"nothing happened within {limit.TotalSeconds} s of fake time");
            }

            time.Advance(step);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return time.GetUtcNow() - start;
    }
}
