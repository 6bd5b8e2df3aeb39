using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using static MitmFixture.Tests.Support.H2FrameClient;

namespace MitmFixture.Tests.Proxy;

public sealed class Http2FloodGuardTests
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Fact]
    public void InspectClient_PingsUpToTheLimitInASecond_AreAllowed_AndTheNextOneIsAFlood()
    {
        var clock = FakeClock.StartingNow();
        var guard = new Http2FloodGuard(32 * 1024, clock);
        Assert.Null(guard.InspectClient(Preface));
        var ping = Frame(Ping, 0, 0, new byte[8]);
        for (var i = 0; i < Http2FloodGuard.MaxControlFramesPerSecond; i++)
        {
            Assert.Null(guard.InspectClient(ping));
        }

        Assert.Contains("SETTINGS and PING", guard.InspectClient(ping), StringComparison.Ordinal);
    }

    [Fact]
    public void InspectClient_ControlFramesSpreadOverSeconds_AreNotAFlood()
    {
        var clock = FakeClock.StartingNow();
        var guard = new Http2FloodGuard(32 * 1024, clock);
        guard.InspectClient(Preface);
        var settings = Frame(Settings, 0, 0, SettingsPayload((0x3, 100)));
        for (var second = 0; second < 3; second++)
        {
            for (var i = 0; i < Http2FloodGuard.MaxControlFramesPerSecond; i++)
            {
                Assert.Null(guard.InspectClient(settings));
            }

            clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Null(guard.InspectClient(Frame(Settings, Ack, 0, [])));
    }

    [Fact]
    public void InspectClient_FramesSplitAtEveryByte_AreSeenAsWhole()
    {
        var guard = new Http2FloodGuard(32 * 1024, FakeClock.StartingNow());
        byte[] bytes = [.. Preface, .. Frame(Headers, EndHeaders | EndStream, 7, Hpack.Request("GET", "/")), .. Frame(Data, 0, 7, new byte[100])];
        foreach (var b in bytes)
        {
            Assert.Null(guard.InspectClient([b]));
        }

        Assert.Equal(7, guard.LastClientStreamId);
    }

    [Fact]
    public void InspectClient_HeaderBlockPastTheLimitOverContinuations_IsAFlood()
    {
        var guard = new Http2FloodGuard(1_000, FakeClock.StartingNow());
        guard.InspectClient(Preface);
        Assert.Null(guard.InspectClient(Frame(Headers, EndStream, 1, new byte[400])));
        Assert.Null(guard.InspectClient(Frame(Continuation, 0, 1, new byte[400])));
        Assert.Contains("CONTINUATION flood", guard.InspectClient(Frame(Continuation, 0, 1, new byte[400])), StringComparison.Ordinal);
    }

    [Fact]
    public void InspectClient_HeaderBlocksEachUnderTheLimit_AreNotAFlood()
    {
        var guard = new Http2FloodGuard(1_000, FakeClock.StartingNow());
        guard.InspectClient(Preface);
        for (var id = 1; id < 100; id += 2)
        {
            Assert.Null(guard.InspectClient(Frame(Headers, 0, id, new byte[600])));
            Assert.Null(guard.InspectClient(Frame(Continuation, EndHeaders, id, new byte[300])));
        }
    }

    [Fact]
    public void InspectClient_EmptyContinuationsInARow_AreAFlood_ButEmptyDataEndingAStreamIsNot()
    {
        var guard = new Http2FloodGuard(32 * 1024, FakeClock.StartingNow());
        guard.InspectClient(Preface);
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(guard.InspectClient(Frame(Data, EndStream, 1, [])));
        }

        guard.InspectClient(Frame(Headers, 0, 3, new byte[10]));
        for (var i = 0; i < Http2FloodGuard.MaxEmptyFramesInARow; i++)
        {
            Assert.Null(guard.InspectClient(Frame(Continuation, 0, 3, [])));
        }

        Assert.Contains("empty frames", guard.InspectClient(Frame(Continuation, 0, 3, [])), StringComparison.Ordinal);
    }

    [Fact]
    public void InspectServer_ResetsPastTheLimitInASecond_AreAFlood_AndFrameBoundariesAreKnown()
    {
        var guard = new Http2FloodGuard(32 * 1024, FakeClock.StartingNow());
        var reset = Frame(RstStream, 0, 1, [0, 0, 0, 7]);
        Assert.True(guard.ServerAtFrameBoundary);
        Assert.Null(guard.InspectServer(reset.AsSpan(0, 5)));
        Assert.False(guard.ServerAtFrameBoundary);
        Assert.Null(guard.InspectServer(reset.AsSpan(5)));
        Assert.True(guard.ServerAtFrameBoundary);
        for (var i = 1; i < Http2FloodGuard.MaxResetsSentPerSecond; i++)
        {
            Assert.Null(guard.InspectServer(reset));
        }

        Assert.Contains("stream exhaustion", guard.InspectServer(reset), StringComparison.Ordinal);
    }

    [Fact]
    public void InspectClient_ResetsPastTheLimitInASecond_AreRapidReset()
    {
        var guard = new Http2FloodGuard(32 * 1024, FakeClock.StartingNow());
        guard.InspectClient(Preface);
        for (var id = 1; id <= 2 * Http2FloodGuard.MaxResetsReceivedPerSecond; id += 2)
        {
            Assert.Null(guard.InspectClient([.. Frame(Headers, EndHeaders | EndStream, id, Hpack.Request("GET", "/")), .. Frame(RstStream, 0, id, [0, 0, 0, 8])]));
        }

        Assert.Contains("rapid reset", guard.InspectClient(Frame(RstStream, 0, 1_001, [0, 0, 0, 8])), StringComparison.Ordinal);
    }
}
