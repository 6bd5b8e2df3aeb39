using System.Buffers;
using System.Net.Sockets;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Proxy;

/// <summary>Plays a recorded WebSocket conversation to a live client with no server (see <see cref="WebSocketPlayback"/>).</summary>
internal sealed class WebSocketPlayer(ProxyContext context, Flow flow, DuplexConnection client, WebSocketPlayback playback)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    private readonly WebSocketData _data = flow.WebSocket ??= new WebSocketData();

    public async Task RunAsync()
    {
        var recorded = playback.Recorded;
        var i = 0;
        var previous = recorded.Count > 0 ? recorded[0].Timestamp : default;
        try
        {
            while (true)
            {
                // 1. Everything the server said next, in order, with its recorded pauses.
                while (i < recorded.Count && !recorded[i].FromClient)
                {
                    var message = recorded[i++];
                    var delay = message.Timestamp - previous;
                    previous = message.Timestamp;
                    if (playback.PlayDelays && delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay < MaxDelay ? delay : MaxDelay, context.Time, context.Shutdown);
                    }

                    WebSocketFrame.Write(client.Writer, true, message.IsText ? WebSocketOpcode.Text : WebSocketOpcode.Binary, message.Content, mask: false);
                    await client.Writer.FlushAsync(context.Shutdown);
                    _data.Add(new WebSocketMessage(message.Type, false, message.Content, context.Time.GetUtcNow()));
                }

                // 2. The client's next message (or its close).
                var incoming = await ReadMessageAsync();
                if (incoming is null)
                {
                    return;
                }

                _data.Add(incoming);
                var live = new WebSocketMessage(incoming.Type, true, playback.Redact?.Invoke(incoming.Content) ?? incoming.Content, incoming.Timestamp); // as the recording would hold it
                if (i >= recorded.Count || !Expected(recorded[i], live))
                {
                    var expected = i < recorded.Count ? $"'{Describe(recorded[i])}'" : "no more client messages";
                    var reason = $"unexpected message '{Describe(live)}'; the recording expects {expected}";
                    flow.Error = new FlowError($"WebSocket replay: {reason}", context.Time.GetUtcNow());
                    await CloseAsync(1008, reason);
                    return;
                }

                previous = recorded[i].Timestamp;
                i++;
            }
        }
        catch (WebSocketProtocolException e)
        {
            // As the relay answers a live client: the flow says why, the client gets the close code.
            flow.Error = new FlowError($"WebSocket protocol error from the client: {e.Message}", context.Time.GetUtcNow());
            await TryCloseAsync(e.CloseCode, e.Message);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away; the flow keeps what was exchanged.
        }
        finally
        {
            _data.TimestampEnd = context.Time.GetUtcNow();
        }
    }

    /// <summary>
    /// Whether the (redacted) live message is the one the recording expects. Placeholders compare by
    /// kind, as in request matching (<see cref="RequestFingerprint"/>): this replay's session numbers
    /// its own, so a recorded &lt;PASSWORD-2&gt; may be &lt;PASSWORD&gt; here.
    /// </summary>
    private bool Expected(WebSocketMessage recorded, WebSocketMessage live) =>
        recorded.FromClient && (playback.MatchByOrder || (recorded.Type == live.Type
            && RequestFingerprint.NormalizePlaceholders(recorded.Content).AsSpan().SequenceEqual(RequestFingerprint.NormalizePlaceholders(live.Content))));

    /// <summary>Reads one whole client message; null when the client closed (its close is answered).</summary>
    private async Task<WebSocketMessage?> ReadMessageAsync()
    {
        var reader = client.Reader;
        var fragments = new ArrayBufferWriter<byte>();
        var type = WebSocketOpcode.Text;
        while (true)
        {
            var result = await reader.ReadAsync(context.Shutdown);
            var frames = WebSocketFrame.ParseAll(result.Buffer, expectMasked: true, context.Options.Limits.MaxBufferedBodyBytes, out var consumed);
            reader.AdvanceTo(consumed, result.Buffer.End);
            foreach (var frame in frames)
            {
                switch (frame.Opcode)
                {
                    case WebSocketOpcode.Close:
                        WebSocketClose.Check(frame.Payload);
                        _data.ClosedByClient = true;
                        _data.CloseCode = frame.Payload.Length >= 2 ? (frame.Payload[0] << 8) | frame.Payload[1] : WebSocketClose.NoStatus;
                        WebSocketFrame.Write(client.Writer, true, WebSocketOpcode.Close, frame.Payload, mask: false);
                        await client.Writer.FlushAsync(context.Shutdown);
                        return null;
                    case WebSocketOpcode.Ping:
                        WebSocketFrame.Write(client.Writer, true, WebSocketOpcode.Pong, frame.Payload, mask: false);
                        await client.Writer.FlushAsync(context.Shutdown);
                        continue;
                    case WebSocketOpcode.Pong:
                        continue;
                    case WebSocketOpcode.Text or WebSocketOpcode.Binary:
                        type = frame.Opcode;
                        break;
                }

                fragments.Write(frame.Payload);
                if (frame.Fin)
                {
                    return new WebSocketMessage(type == WebSocketOpcode.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, fragments.WrittenSpan.ToArray(), context.Time.GetUtcNow());
                }
            }

            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private async Task CloseAsync(int code, string reason)
    {
        WebSocketFrame.WriteClose(client.Writer, code, reason, mask: false);
        await client.Writer.FlushAsync(context.Shutdown);
        _data.CloseCode = code;
        _data.CloseReason = WebSocketClose.FitReason(reason); // as sent: a cassette refuses a longer one
    }

    private async Task TryCloseAsync(int code, string reason)
    {
        try
        {
            await CloseAsync(code, reason);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is already gone.
        }
    }

    private static string Describe(WebSocketMessage message)
    {
        var text = message.IsText ? message.Text : Convert.ToHexString(message.Content);
        return text.Length > 40 ? text[..40] + "…" : text;
    }
}
