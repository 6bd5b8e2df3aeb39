using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>Deadlines on the proxy's injected clock: they fire when fake time passes, never on their own.</summary>
public sealed class DeadlineTests
{
    [Fact]
    public void Arm_FakeTimeReachesTheTimeout_TokenFiresAsExpired()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        using var deadline = new Deadline(heartbeat, CancellationToken.None);

        var token = deadline.Arm(TimeSpan.FromSeconds(30));
        time.Advance(TimeSpan.FromSeconds(29));
        var early = token.IsCancellationRequested;
        time.Advance(TimeSpan.FromSeconds(1) + DeadlineHeartbeat.Period);

        Assert.False(early);
        Assert.True(token.IsCancellationRequested);
        Assert.True(deadline.Expired);
    }

    [Fact]
    public void Disarm_BeforeTheTimeout_TokenNeverFires()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        using var deadline = new Deadline(heartbeat, CancellationToken.None);

        var token = deadline.Arm(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(4));
        deadline.Disarm();
        time.Advance(TimeSpan.FromMinutes(10));

        Assert.False(token.IsCancellationRequested);
        Assert.False(deadline.Expired);
    }

    [Fact]
    public void Arm_AfterAnExpiry_GivesAFreshTokenOnTheSameClock()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        using var deadline = new Deadline(heartbeat, CancellationToken.None);
        deadline.Arm(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));

        var again = deadline.Arm(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(again.IsCancellationRequested);
        Assert.False(deadline.Expired);
    }

    [Fact]
    public void Shutdown_CancelsTheTokenWithoutCountingAsExpired()
    {
        var time = FakeClock.StartingNow();
        using var shutdown = new CancellationTokenSource();
        using var heartbeat = new DeadlineHeartbeat(time);
        using var deadline = new Deadline(heartbeat, shutdown.Token);

        var token = deadline.Arm(TimeSpan.FromSeconds(30));
        shutdown.Cancel();

        Assert.True(token.IsCancellationRequested);
        Assert.False(deadline.Expired);
    }

    [Fact]
    public void NeverArmed_FakeTimePasses_NothingFiresAndDisposeIsClean()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        var deadline = new Deadline(heartbeat, CancellationToken.None);

        time.Advance(TimeSpan.FromHours(1));
        deadline.Dispose();

        Assert.False(deadline.Expired);
    }

    [Fact]
    public void Arm_AfterDispose_Throws()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        var deadline = new Deadline(heartbeat, CancellationToken.None);
        deadline.Arm(TimeSpan.FromSeconds(1));
        deadline.Dispose();

        Assert.Throws<ObjectDisposedException>(() => deadline.Arm(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void ArmAt_NeverThenReArmed_SameTokenFiresOnTheNewExpiry()
    {
        var time = FakeClock.StartingNow();
        using var heartbeat = new DeadlineHeartbeat(time);
        using var deadline = new Deadline(heartbeat, CancellationToken.None);

        var token = deadline.ArmAt(long.MaxValue);
        time.Advance(TimeSpan.FromMinutes(10));
        var early = token.IsCancellationRequested;
        var again = deadline.Arm(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(5) + DeadlineHeartbeat.Period);

        Assert.False(early);
        Assert.Equal(token, again);
        Assert.True(token.IsCancellationRequested);
        Assert.True(deadline.Expired);
    }
}
