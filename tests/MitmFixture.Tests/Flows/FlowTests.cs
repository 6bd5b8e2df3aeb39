using MitmFixture.Cassettes;
using MitmFixture.Filters;
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
    public void Server_UnsetUntilRead_IsOnePlaceholderForEveryReader()
    {
        var flow = TestFlows.Get("http://example.com/");

        Assert.Same(flow.Server, flow.Server);
    }
}
