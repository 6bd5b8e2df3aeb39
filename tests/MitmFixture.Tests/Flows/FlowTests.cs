using MitmFixture.Cassettes;
using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Flows;

public sealed class FlowTests
{
    [Fact]
    public void Metadata_ReadersThatOnlyListIt_DoNotMakeIt_AndWhatAnAddonAttachesIsKept()
    {
        var flow = TestFlows.Get("http://example.com/").Respond(200, "ok");

        Assert.Equal("", FlowText.Metadata(flow));
        Assert.Null(FlowMapper.ToRecord(flow, null).Metadata);
        Assert.False(FlowCopy.Of(flow).HasMetadata);
        Assert.False(flow.HasMetadata);

        flow.Metadata["note"] = "kept";

        Assert.True(flow.HasMetadata);
        Assert.Equal("note: kept", FlowText.Metadata(flow));
        Assert.Equal("kept", FlowCopy.Of(flow).Metadata["note"]);
    }

    [Fact]
    public void Id_MadeOnFirstRead_IsTheSameForEveryReaderOnEveryThread()
    {
        var flow = TestFlows.Get("http://example.com/");
        var seen = new string[8];
        using var start = new Barrier(seen.Length);
        var threads = Enumerable.Range(0, seen.Length).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            seen[i] = flow.Id;
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Single(seen.Distinct());
        Assert.Equal(seen[0], flow.Id);
        Assert.NotEqual(flow.Id, TestFlows.Get("http://example.com/").Id);
        Assert.Equal("given", new Flow(flow.Request) { Id = "given" }.Id);
    }

    [Fact]
    public void Server_UnsetUntilRead_IsOnePlaceholderForEveryReader()
    {
        var flow = TestFlows.Get("http://example.com/");

        Assert.Same(flow.Server, flow.Server);
    }
}
