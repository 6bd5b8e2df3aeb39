using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// Relays a WebSocket connection after the 101 answer: one pump per direction reassembles
/// messages (<see cref="WebSocketMessageReader"/>), records them on the flow and runs the message
/// hook (which may change or drop them), then sends each as a single frame. Ping and pong pass
/// straight through. With stream_websockets frames are forwarded as their bytes arrive and messages
/// are recorded without running the hook. A message over body_size_limit closes both sides with 1009.
/// </summary>
internal sealed class WebSocketRelay(ProxyContext context, Flow flow, DuplexConnection client, DuplexConnection server)
{
    /// <summary>How long the second close frame may take once the first passed (RFC 6455 §7.1.1 leaves it to us).</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);

    private readonly WebSocketData _data = flow.WebSocket ??= new WebSocketData();

    public async Task RunAsync()
    {
        // The close grace runs on the proxy's clock; a source built with a TimeProvider keeps it for CancelAfter.
        using var grace = new CancellationTokenSource(Timeout.InfiniteTimeSpan, context.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.Shutdown, grace.Token);
        var fromClient = PumpAsync(client.Reader, server.Writer, fromClient: true, stop);
        var fromServer = PumpAsync(server.Reader, client.Writer, fromClient: false, stop);
        var first = await Task.WhenAny(fromClient, fromServer);
        if (!await first)
        {
            await stop.CancelAsync(); // one side vanished without a close handshake
        }
        else
        {
            grace.CancelAfter(CloseGrace);
        }

        await Task.WhenAll(fromClient, fromServer);
        _data.TimestampEnd = context.Time.GetUtcNow();
        if (context.Logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // guarded by IsEnabled above; the analyzer misses guards around [LoggerMessage] calls (dotnet/sdk#50893)
            ProxyLog.WebSocketClosed(context.Logger, flow.Request.Url, _data.CloseCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no close frame");
#pragma warning restore CA1873
        }

        await context.Pipeline.WebSocketEndAsync(flow, CancellationToken.None);
    }

    /// <summary>Pumps one direction; true when it ended with a close frame, false when the connection dropped.</summary>
    private async Task<bool> PumpAsync(PipeReader source, PipeWriter destination, bool fromClient, CancellationTokenSource stop)
    {
        var maxMessage = context.Options.Limits.MaxBufferedBodyBytes;
        using var messages = new WebSocketMessageReader(fromClient, maxMessage, context.Options.StreamWebSockets ? destination : null);
        try
        {
            while (true)
            {
                var result = await source.ReadAsync(stop.Token);
                var step = messages.Read(result.Buffer, out var consumed);
                switch (step.Kind)
                {
                    case WebSocketStepKind.Control:
                        WebSocketFrame.Write(destination, true, step.Control.Opcode, step.Control.Payload, mask: fromClient);
                        if (step.Control.Opcode == WebSocketOpcode.Close)
                        {
                            RecordClose(step.Control.Payload, fromClient);
                            source.AdvanceTo(result.Buffer.End);
                            await destination.FlushAsync(stop.Token);
                            return true;
                        }

                        source.AdvanceTo(consumed); // more may follow in what was read
                        break;

                    case WebSocketStepKind.Message:
                        source.AdvanceTo(consumed);
                        await DeliverAsync(step.Message!, step.MessageType, fromClient, destination, stop.Token); // a Message step carries one
                        break;

                    default:
                        source.AdvanceTo(consumed, result.Buffer.End);
                        break;
                }

                // Streamed pieces and control frames go out now; waiting on the flush is the back-pressure.
                await destination.FlushAsync(stop.Token);
                if (step.Kind == WebSocketStepKind.NeedMore && result.IsCompleted)
                {
                    return false;
                }
            }
        }
        catch (WebSocketProtocolException e)
        {
            if (context.Logger.IsEnabled(LogLevel.Information))
            {
#pragma warning disable CA1873 // guarded by IsEnabled above; the analyzer misses guards around [LoggerMessage] calls (dotnet/sdk#50893)
                ProxyLog.WebSocketViolation(context.Logger, flow.Request.Url, $"{(fromClient ? "client" : "server")}: {e.Message}");
#pragma warning restore CA1873
            }

            flow.Error = new FlowError($"WebSocket protocol error from the {(fromClient ? "client" : "server")}: {e.Message}", context.Time.GetUtcNow());
            _data.CloseCode = e.CloseCode;
            _data.CloseReason = WebSocketClose.FitReason(e.Message); // as sent
            await TrySendCloseAsync(client.Writer, e.CloseCode, e.Message, mask: false);
            await TrySendCloseAsync(server.Writer, e.CloseCode, e.Message, mask: true);
            await stop.CancelAsync();
            return false;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    private async ValueTask DeliverAsync(SegmentedBody content, WebSocketOpcode opcode, bool fromClient, PipeWriter destination, CancellationToken cancellationToken)
    {
        var type = opcode == WebSocketOpcode.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text;
        var message = new WebSocketMessage(type, fromClient, content, context.Time.GetUtcNow());
        _data.Add(message);
        if (context.Options.StreamWebSockets)
        {
            return; // already forwarded piece by piece
        }

        await context.Pipeline.WebSocketMessageAsync(flow, message, cancellationToken);
        if (flow.Killed)
        {
            throw new OperationCanceledException("flow killed");
        }

        if (!message.Dropped)
        {
            var outgoing = message.Type == WebSocketMessageType.Binary ? WebSocketOpcode.Binary : WebSocketOpcode.Text;
            await WriteMessageAsync(destination, outgoing, message.ContentForWriting, mask: fromClient, cancellationToken);
        }
    }

    /// <summary>Sends a message as one frame, its payload in 64 KiB slices each flushed: the pipe never holds a second copy.</summary>
    private static async ValueTask WriteMessageAsync(PipeWriter destination, WebSocketOpcode opcode, SegmentedBody content, bool mask, CancellationToken cancellationToken)
    {
        var header = WebSocketFrameHeader.Create(fin: true, opcode, content.Length, mask);
        header.Write(destination);
        long offset = 0;
        foreach (var slice in content.Slices(64 * 1024))
        {
            if (offset > 0)
            {
                await destination.FlushAsync(cancellationToken);
            }

            header.WritePayload(destination, slice.Span, offset);
            offset += slice.Length;
        }
    }

    private void RecordClose(byte[] payload, bool fromClient)
    {
        if (_data.CloseCode is not null)
        {
            return;
        }

        _data.ClosedByClient = fromClient;
        _data.CloseCode = payload.Length >= 2 ? (payload[0] << 8) | payload[1] : 1005; // 1005: no status given (RFC 6455 §7.4.1)
        _data.CloseReason = payload.Length > 2 ? Encoding.UTF8.GetString(payload, 2, payload.Length - 2) : "";
    }

    private static async ValueTask TrySendCloseAsync(PipeWriter writer, int code, string reason, bool mask)
    {
        try
        {
            WebSocketFrame.WriteClose(writer, code, reason, mask);
            await writer.FlushAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is already gone.
        }
    }
}
