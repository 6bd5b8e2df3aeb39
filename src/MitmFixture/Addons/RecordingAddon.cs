using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary>Writes every finished flow to a cassette: on response, on error, or when its WebSocket closes.</summary>
public sealed class RecordingAddon(CassetteWriter writer, Func<Flow, bool>? select = null) : FinishedFlowAddon
{
    public CassetteWriter Writer { get; } = writer;

    protected override void OnFinished(Flow flow)
    {
        if (select?.Invoke(flow) != false)
        {
            Writer.Append(flow);
        }
    }

    public override async ValueTask DoneAsync() => await Writer.FlushAsync();
}
