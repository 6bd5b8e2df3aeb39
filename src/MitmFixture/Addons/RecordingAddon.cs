using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary>Writes every finished flow to a cassette: on response, on error, or when its WebSocket closes.</summary>
public sealed class RecordingAddon(CassetteWriter writer) : ProxyAddon
{
    public CassetteWriter Writer { get; } = writer;

    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        // A WebSocket flow is written once its messages are in, at WebSocketEnd.
        if (flow.Response?.StatusCode != 101)
        {
            Writer.Append(flow);
        }

        return default;
    }

    public override ValueTask ErrorAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.WebSocket is null)
        {
            Writer.Append(flow);
        }

        return default;
    }

    public override ValueTask WebSocketEndAsync(Flow flow, CancellationToken cancellationToken)
    {
        Writer.Append(flow);
        return default;
    }

    public override async ValueTask DoneAsync() => await Writer.FlushAsync();
}
