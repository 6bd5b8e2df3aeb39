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
public sealed class ServerReplayAddon(ReplayStore store, TimeProvider? time = null, Redactor? redactor = null) : ProxyAddon
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Secrets learned from live traffic during this replay (credentials the client sends, tokens
    // from responses forwarded live), so a later live request carrying one matches the recording.
    private readonly RedactionSession? _redaction = redactor?.StartSession();

    /// <summary>The recorded flows this addon answers from.</summary>
    public ReplayStore Store { get; } = store;

    /// <summary>Raised for each request no recording answers, with the nearest-match explanation.</summary>
    public event Action<Flow, string>? Unmatched;

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        // Incoming requests carry real secrets; recordings carry placeholders. Match like with like.
        // Placeholders are compared by kind only (RequestFingerprint), since this session numbers its own.
        var probe = flow.Request;
        if (_redaction is not null)
        {
            var request = new Flow(flow.Request.Clone(), flow.Client);
            _redaction.Learn(request);
            _redaction.Scrub(request);
            probe = request.Request;
        }

        if (Store.TryTake(probe, out var recorded))
        {
            var response = recorded!.Response!.Clone(); // the store holds flows with responses only
            if (Store.Options.Refresh)
            {
                ResponseRefresher.Refresh(response, _time.GetUtcNow());
            }

            redactor?.Restore(response);
            response.TimestampStart = _time.GetUtcNow();
            response.TimestampEnd = response.TimestampStart;
            flow.Response = response;
            flow.Replay = ReplayKind.Response;
            if (recorded.WebSocket is { } ws && response.StatusCode == 101)
            {
                flow.WebSocketPlayback = new WebSocketPlayback(ws.Messages, Store.Options.WebSocketMatchByOrder, Store.Options.WebSocketPlayDelays);
            }

            return default;
        }

        var policy = Store.Options.EffectiveExtra;
        if (policy == UnmatchedPolicy.Forward)
        {
            return default;
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

        return default;
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
}
