using MitmFixture.Addons;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Addons;

/// <summary>What server replay answers when it cannot give the recorded answer: never a live server's answer in its place.</summary>
public sealed class ServerReplayAddonTests
{
    [Theory]
    [InlineData(false, UnmatchedPolicy.Kill)]
    [InlineData(true, UnmatchedPolicy.Forward)]
    [InlineData(false, UnmatchedPolicy.NotFound404)]
    public async Task RequestAsync_ReplayFails_502WithTheReasonNeverForwarded(bool killExtra, UnmatchedPolicy extra)
    {
        var store = new ReplayStore([TestFlows.Get("http://a.test/recorded").Respond(200, "recorded")], new ServerReplayOptions { KillExtra = killExtra, Extra = extra });
        var addon = new ServerReplayAddon(store);
        addon.Unmatched += (_, _) => throw new InvalidOperationException("subscriber broke");
        var flow = TestFlows.Get("http://a.test/other");

        await new AddonPipeline([addon]).RequestAsync(flow, CancellationToken.None);

        Assert.True(flow.Killed || flow.Response is not null, "a flow with neither a response nor a kill goes to the live server");
        Assert.Equal(502, flow.Response?.StatusCode);
        Assert.Contains("server replay failed", flow.Error?.Message, StringComparison.Ordinal);
        Assert.Contains("subscriber broke", flow.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestAsync_RecordedResponseBodyStreamedAndNotKept_502SayingSoNotAnEmptyAnswer()
    {
        var recorded = TestFlows.Get("http://a.test/big5000000").Respond(200, [], ("Content-Length", "5000000"));
        recorded.Response!.Body = null; // as a cassette's "body": {"streamed": true} loads
        recorded.Response.Stream = true;
        var addon = new ServerReplayAddon(new ReplayStore([recorded]));
        string? unmatched = null;
        addon.Unmatched += (_, why) => unmatched = why;
        var flow = TestFlows.Get("http://a.test/big5000000");

        await new AddonPipeline([addon]).RequestAsync(flow, CancellationToken.None);

        Assert.Equal(502, flow.Response?.StatusCode);
        Assert.Contains("streamed", flow.Response!.Text, StringComparison.Ordinal);
        Assert.Contains("stream_large_bodies", flow.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(flow.Error!.Message, "server replay: " + unmatched);
    }
}
