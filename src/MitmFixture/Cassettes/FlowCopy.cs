using MitmFixture.Flows;

namespace MitmFixture.Cassettes;

/// <summary>A copy of a flow's recorded parts, so redaction never changes what the live proxy holds.</summary>
internal static class FlowCopy
{
    public static Flow Of(Flow flow)
    {
        var copy = new Flow(flow.Request.Clone(), flow.Client)
        {
            Id = flow.Id,
            Server = flow.Server,
            Response = flow.Response?.Clone(),
            Error = flow.Error,
            Replay = flow.Replay,
            Marked = flow.Marked,
            Comment = flow.Comment,
        };
        if (flow.HasMetadata)
        {
            foreach (var (key, value) in flow.Metadata)
            {
                copy.Metadata[key] = value;
            }
        }

        copy.Request.Stream = flow.Request.Stream;
        if (copy.Response is not null)
        {
            copy.Response.Stream = flow.Response!.Stream; // copied above when present
        }

        if (flow.WebSocket is { } ws)
        {
            var data = new WebSocketData { CloseCode = ws.CloseCode, CloseReason = ws.CloseReason, ClosedByClient = ws.ClosedByClient, TimestampEnd = ws.TimestampEnd };
            foreach (var m in ws.Messages)
            {
                data.Add(new WebSocketMessage(m.Type, m.FromClient, m.Content, m.Timestamp) { Injected = m.Injected });
            }

            copy.WebSocket = data;
        }

        if (flow.Grpc is { } grpc)
        {
            var data = new GrpcData();
            foreach (var m in grpc.Messages)
            {
                data.Add(m); // immutable: shared
            }

            copy.Grpc = data;
        }

        return copy;
    }
}
