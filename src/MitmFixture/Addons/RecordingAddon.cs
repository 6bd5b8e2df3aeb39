using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary>Writes every finished flow to a cassette: on response, on error, or when its WebSocket closes.</summary>
public sealed class RecordingAddon(CassetteWriter writer, Func<Flow, bool>? select = null) : FinishedFlowAddon
{
    /// <summary>The writer each finished flow is appended to.</summary>
    public CassetteWriter Writer { get; } = writer;

    /// <inheritdoc/>
    protected override void OnFinished(Flow flow)
    {
        bool wanted;
        try
        {
            wanted = select?.Invoke(flow) != false;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Cannot tell whether it was wanted: keep it rather than lose it, and say so.
            Writer.ReportFailure(flow, e);
            wanted = true;
        }

        if (wanted)
        {
            Writer.Append(flow);
        }
    }

    /// <inheritdoc/>
    public override async ValueTask DoneAsync() => await Writer.FlushAsync();
}
