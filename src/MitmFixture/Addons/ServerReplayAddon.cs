using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Addons;

/// <summary>
/// Server-side replay: answers requests from recorded flows, so no server is contacted, not even
/// for a TLS handshake. Unmatched requests follow <see cref="ServerReplayOptions.Extra"/> whether
/// or not the recordings are used up (unlike mitmproxy, issue #8363).
/// </summary>
public sealed partial class ServerReplayAddon(ReplayStore store, TimeProvider? time = null, Redactor? redactor = null) : ProxyAddon
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Secrets learned from live traffic during this replay (credentials the client sends, tokens
    // from responses forwarded live), so a later live request carrying one matches the recording.
    private readonly RedactionSession? _redaction = redactor?.StartSession();

    /// <summary>The recorded flows this addon answers from.</summary>
    public ReplayStore Store { get; } = store;

    /// <summary>Raised for each request no recording answers, with the nearest-match explanation.</summary>
    public event Action<Flow, string>? Unmatched;

    /// <summary>Where a replay that cannot give the recorded answer says why: the proxy that runs this addon sets it when it starts.</summary>
    internal ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>
    /// An HTTP/2 gRPC call is matched before its body: by method path and the other knobs here, by
    /// its messages as they arrive (the proxy plays it, see <see cref="GrpcPlayback"/>), so a
    /// bidirectional call that waits for answers is not held until it ends.
    /// </summary>
    public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Request.HttpVersion != "HTTP/2.0" || !GrpcFraming.IsGrpc(flow.Request.ContentType))
        {
            return default;
        }

        try
        {
            var candidates = Store.GrpcCandidates(Probe(flow));
            if (candidates.Count > 0)
            {
                flow.GrpcPlayback = new GrpcPlayback(candidates, recorded => Store.TryClaim(recorded) ? Answer(recorded) : null, Store.Options.IgnoreContent, why => Unmatched?.Invoke(flow, why))
                {
                    Redact = _redaction is { } session ? session.RedactGrpcMessage : null, // messages were redacted when recorded, as requests were
                };
            }
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            flow.GrpcPlayback = null;
            Refuse(flow, $"server replay failed ({e.GetType().Name}: {e.Message}); the call was not sent to the server");
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        try
        {
            Play(flow);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // The pipeline would log a throw and go on, and a flow with no answer goes to the live
            // server: a cassette's request must never reach the network because replay broke.
            flow.WebSocketPlayback = null;
            flow.Replay = ReplayKind.None;
            Refuse(flow, $"server replay failed ({e.GetType().Name}: {e.Message}); the request was not sent to the server");
        }

        return default;
    }

    private void Play(Flow flow)
    {
        var probe = Probe(flow);
        if (Store.TryTake(probe, out var recorded))
        {
            if (recorded!.Response!.Body is null) // the store holds flows with responses only
            {
                // Served as it stands it would be an empty body under the recorded Content-Length
                // (mitmproxy fails such a flow too: it cannot assemble a message whose content is None).
                var notKept = $"the recorded response to {recorded.Request.Method} {recorded.Request.Url} has no body to give: it was streamed and not kept when recording (stream_large_bodies); record it again with a larger stream_large_bodies to keep it";
                Refuse(flow, notKept);
                Unmatched?.Invoke(flow, notKept);
                return;
            }

            if (recorded.WebSocket is not null && recorded.Response.StatusCode == 101 && !AsksForWebSocket(flow.Request))
            {
                // Matching ignores headers, so a plain GET (or any HTTP/2 request) can match a recorded
                // handshake; a 101 and frames to a client that did not ask would desynchronise it, and an
                // HTTP/2 stream cannot switch at all. A live server's unasked 101 gets a 502 too.
                var notAsked = $"the recorded response to {recorded.Request.Method} {recorded.Request.Url} is a WebSocket handshake (101 Switching Protocols), and this request did not ask to switch to websocket (an HTTP/1.1 request with Upgrade: websocket and a Sec-WebSocket-Key); a 101 goes only to a client that asked for it (RFC 9110 §15.2.2)";
                Refuse(flow, notAsked);
                Unmatched?.Invoke(flow, notAsked);
                return;
            }

            var response = Answer(recorded); // set when found
            flow.Response = response;
            flow.Replay = ReplayKind.Response;
            if (recorded.WebSocket is { } ws && response.StatusCode == 101)
            {
                flow.WebSocketPlayback = new WebSocketPlayback(ws.Messages, Store.Options.WebSocketMatchByOrder, Store.Options.WebSocketPlayDelays)
                {
                    Redact = _redaction is { } session ? session.RedactMessage : null, // messages were redacted when recorded, as requests were
                };
            }

            return;
        }

        var policy = Store.Options.EffectiveExtra;
        if (policy == UnmatchedPolicy.Forward)
        {
            return;
        }

        var why = Store.Explain(probe);
        Unmatched?.Invoke(flow, why);
        switch (policy)
        {
            case UnmatchedPolicy.Kill:
                flow.Error = new FlowError($"server replay: {why}", _time.GetUtcNow());
                flow.Kill(_time);
                break;
            case UnmatchedPolicy.NoContent204:
                flow.Response = HttpResponse.Create(204);
                break;
            default:
                var status = policy switch { UnmatchedPolicy.BadRequest400 => 400, UnmatchedPolicy.NotFound404 => 404, _ => 500 };
                flow.Response = HttpResponse.Create(status, $"MitmFixture server replay: {why}\n");
                flow.Response.Headers.Add("X-MitmFixture-Unmatched", "1");
                break;
        }
    }

    private static bool AsksForWebSocket(HttpRequest request) =>
        request.HttpVersion is "HTTP/1.1" or "HTTP/1.0" && request.Headers.HasToken("Upgrade", "websocket") && request.Headers.Contains("Sec-WebSocket-Key");

    /// <summary>A 502 that says why, on the flow's error and in the log, in place of an answer replay cannot give.</summary>
    private void Refuse(Flow flow, string why)
    {
        flow.Response = HttpResponse.Create(502, $"MitmFixture server replay: {why}\n");
        flow.Response.Headers.Add("X-MitmFixture-Replay-Error", "1");
        flow.Error = new FlowError($"server replay: {why}", _time.GetUtcNow());
        LogRefused(Logger, flow.Request.Method, flow.Request.Url, why);
    }

    /// <summary>
    /// The request as matching sees it: incoming requests carry real secrets, recordings carry
    /// placeholders, so like is matched with like. Placeholders compare by kind only
    /// (RequestFingerprint), since this session numbers its own.
    /// </summary>
    private HttpRequest Probe(Flow flow)
    {
        if (_redaction is null)
        {
            return flow.Request;
        }

        var request = new Flow(flow.Request.Clone(), flow.Client);
        _redaction.Learn(request);
        _redaction.Scrub(request);
        return request.Request;
    }

    /// <summary>The recorded response as it is played: a copy, refreshed, placeholders restored, stamped now.</summary>
    private HttpResponse Answer(Flow recorded)
    {
        var response = recorded.Response!.Clone(); // the store holds flows with responses only
        if (Store.Options.Refresh)
        {
            ResponseRefresher.Refresh(response, _time.GetUtcNow());
        }

        redactor?.Restore(response);
        response.TimestampStart = _time.GetUtcNow();
        response.TimestampEnd = response.TimestampStart;
        return response;
    }

    /// <summary>Learns the secrets of responses that came from a live server (a token endpoint the recording lacks).</summary>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Replay != ReplayKind.Response)
        {
            _redaction?.Learn(flow);
        }

        return default;
    }

    /// <summary>No server connection is needed for hosts the recording answers, or at all when unmatched requests are not forwarded.</summary>
    public override bool WantsUpstreamFor(string host, int port) =>
        Store.Options.EffectiveExtra == UnmatchedPolicy.Forward && !Store.HasHost(host, port);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "{Method} {Url}: {Why}")]
    private static partial void LogRefused(ILogger logger, string method, string url, string why);
}
