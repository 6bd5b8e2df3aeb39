using System.Net.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// A client connection that chose h2 in ALPN. Kestrel (Http2Front) runs the HTTP/2 connection; each
/// stream it parses becomes one flow, served by a stream session of its own so that streams are
/// independent: one paused or slow flow holds only its stream.
/// <code>
/// TLS (ALPN h2) ─► Kestrel: frames, HPACK, flow control ─► per stream: request ─► flow ─► hooks ─┬─ answered (replay)
///                                                                                               └─ Http2Upstream (h2, or HTTP/1.1 by translation)
///               ◄─ response (+ trailers) written back on the stream ◄──────────────────────────────┘
/// </code>
/// Pseudo-headers map as mitmproxy maps them: :method, :scheme and :path into the request line,
/// :authority as the Host header; names are lowercase as on the wire; http_version is HTTP/2.0.
/// </summary>
internal sealed partial class ClientSession
{
    /// <summary>Set on a stream session: where its flows go. Null on a connection's own session.</summary>
    private readonly Http2Upstream? _http2Upstream;

    /// <summary>A session serving one HTTP/2 stream of <paramref name="owner"/>'s connection, with no connection of its own.</summary>
    private ClientSession(ClientSession owner, Http2Upstream upstream)
    {
        _context = owner._context;
        _pipeline = _context.Pipeline.WithPauseWait(WaitWhilePausedAsync);
        _socket = null;
        _client = owner._client;
        _tlsHost = owner._tlsHost;
        _http2Upstream = upstream;
        _clientDeadline = new Deadline(_context.Heartbeat, _context.Shutdown);
        _serverDeadline = new Deadline(_context.Heartbeat, _context.Shutdown);
        _clientWriteDeadline = new Deadline(_context.Heartbeat, _context.Shutdown);
    }

    /// <summary>Serves what a client speaks inside TLS, by the protocol ALPN chose: HTTP/2 here, HTTP/1.1 in the request loop.</summary>
    private async Task ServeDecryptedAsync(Stream tls, TunnelTarget tunnel)
    {
        if (tls is SslStream { NegotiatedApplicationProtocol: var alpn } && alpn == SslApplicationProtocol.Http2)
        {
            await using (tls)
            {
                await ServeHttp2Async(tls, tunnel);
            }

            return;
        }

        if (_upstream is not null && _serverInfo.Alpn == "h2")
        {
            // The sniff's server chose h2 (it was offered the client's list) yet the client speaks
            // HTTP/1.1 here: that connection cannot carry the HTTP/1.1 exchange, so a new one is dialled.
            await DropUpstreamAsync();
        }

        await using var connection = new DuplexConnection(_socket, tls);
        await ServeAsync(connection, tunnel);
    }

    /// <summary>Serves an h2 client connection (already decrypted) until it ends; <paramref name="h2cTunnel"/>: see <see cref="Http2Upstream(ProxyContext, bool)"/>.</summary>
    private async Task ServeHttp2Async(Stream stream, TunnelTarget tunnel, bool h2cTunnel = false)
    {
        var front = await _context.GetHttp2FrontAsync();
        using var upstream = new Http2Upstream(_context, h2cTunnel);
        if (_upstream is { } sniffed && _serverInfo.Alpn == "h2")
        {
            _upstream = null; // the certificate sniff's h2 connection now belongs to the h2 forwarder
            upstream.Adopt(sniffed, _serverInfo);
        }
        else
        {
            await DropUpstreamAsync(); // an HTTP/1.1 one (or none) is dropped: the forwarder offers h2 again
        }

        try
        {
            // Kestrel calls back on its own threads; each stream runs in this connection's execution
            // context instead, as an HTTP/1.1 flow would (the fixture's scopes tell flows apart by it).
            var connectionContext = ExecutionContext.Capture();
            await front.ServeAsync(stream, _client.PeerAddress, _client.LocalAddress, features => InContext(connectionContext, () => ServeStreamAsync(features, tunnel, upstream)), Shutdown);
        }
        finally
        {
            await upstream.ReleaseAdoptedAsync();
        }
    }

    private static Task InContext(ExecutionContext? context, Func<Task> work)
    {
        if (context is null)
        {
            return work();
        }

        var task = Task.CompletedTask;
        ExecutionContext.Run(context, _ => task = work(), null);
        return task;
    }

    private async Task ServeStreamAsync(IFeatureCollection features, TunnelTarget tunnel, Http2Upstream upstream)
    {
        var request = ToRequest(features.Get<IHttpRequestFeature>()!); // Kestrel always provides it
        request.TimestampStart = _context.Time.GetUtcNow();
        if (request.Method == "CONNECT")
        {
            // Only the extended CONNECT (RFC 8441) gets past Kestrel, and the proxy withdrew its offer
            // (Http2ConnectProtocolSetting): refused here, never sent on as a plain CONNECT.
            await AnswerErrorAsync(features, 501, "MitmFixture does not relay CONNECT over HTTP/2 (RFC 8441 extended CONNECT was not offered); open WebSockets over HTTP/1.1");
            return;
        }

        if (!ApplyTarget(request, tunnel, out var problem))
        {
            await AnswerErrorAsync(features, 400, problem);
            return;
        }

        var flow = new Flow(request, _client) { Live = true, Server = new ServerConnectionInfo { Address = Http.HostPort.Format(request.Host, request.Port) } };
        _context.Flows.Add(flow);
        await using var session = new ClientSession(this, upstream);
        var reset = features.Get<IHttpRequestLifetimeFeature>()?.RequestAborted ?? CancellationToken.None;
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(Shutdown, reset); // a client reset cancels the server side too
        session.WatchStream(_socket, reset);
        try
        {
            await session.ExchangeHttp2Async(features, flow, stream.Token);
        }
        catch (UpstreamException e) when (!stream.IsCancellationRequested)
        {
            await session.FailAsync(flow, e.Message);
            await AnswerErrorAsync(features, e.StatusCode, e.Message); // a reset once the response has started
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or UpstreamException)
        {
            // The client reset the stream or left, or the proxy is stopping; Kestrel cleans up the stream.
            if (flow.Error is null)
            {
                await session.FailAsync(flow, Shutdown.IsCancellationRequested ? "proxy shut down"
                    : reset.IsCancellationRequested ? StreamEndedMessage(_socket)
                    : $"client stream ended: {e.Message}");
            }
        }
        finally
        {
            Finish(flow);
        }
    }

    private static HttpRequest ToRequest(IHttpRequestFeature source)
    {
        var request = new HttpRequest
        {
            Method = source.Method,
            Scheme = source.Scheme,
            Path = string.IsNullOrEmpty(source.RawTarget) ? source.Path + source.QueryString : source.RawTarget,
            HttpVersion = "HTTP/2.0",
        };
        AddFields(request.Headers, source.Headers);
        return request;
    }

    /// <summary>Kestrel's names are canonical-cased; HTTP/2's wire form is lowercase (RFC 9113 §8.2.1), so it is restored.</summary>
    private static HttpHeaders ToHeaders(IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        var headers = new HttpHeaders();
        AddFields(headers, source);
        return headers;
    }

    private static void AddFields(HttpHeaders headers, IEnumerable<KeyValuePair<string, StringValues>> source)
    {
        foreach (var (name, values) in source)
        {
            foreach (var value in values)
            {
                headers.Add(Http2FieldNames.Lowercase(name), value ?? "");
            }
        }
    }

    /// <summary>Writes the flow's outcome on the stream: its response with trailers, an error (<paramref name="failureStatus"/>: 502, or 504 for a timeout), or a reset for a kill.</summary>
    private async ValueTask AnswerAsync(IFeatureCollection features, Flow flow, int failureStatus)
    {
        if (flow.Killed)
        {
            features.Get<IHttpResetFeature>()?.Reset(0x8); // CANCEL (RFC 9113 §7), as mitmproxy answers a killed h2 flow
            return;
        }

        if (flow.Response is not { } response)
        {
            await AnswerErrorAsync(features, failureStatus, flow.Error?.Message ?? "no response");
            return;
        }

        var body = response.Body ?? [];
        var bodyless = flow.Request.Method == "HEAD" || response.StatusCode is < 200 or 204 or 304;

        // The body as it is now (an addon may have changed it), not as the server framed it.
        // A bodyless answer's length as BodyFraming keeps it (none for a 1xx or 204, which Kestrel refuses at the response's start).
        if (!await WriteHeadAsync(features, flow, response, bodyless ? BodylessLength(response) : body.Length))
        {
            return;
        }

        var bodyFeature = features.Get<IHttpResponseBodyFeature>()!; // Kestrel always provides it
        await bodyFeature.StartAsync(Shutdown);
        if (!bodyless && body.Length > 0)
        {
            await bodyFeature.Writer.WriteAsync(body, Shutdown);
        }

        if (WriteTrailers(features, flow, response))
        {
            await bodyFeature.CompleteAsync();
        }
    }

    /// <summary>
    /// Sets the status and headers the client gets (sent with the first write). False when a field
    /// cannot be sent (CR, LF, NUL or a character past U+00FF, set by an addon, an edit or a cassette):
    /// refused as the HTTP/1.1 side refuses it, with a 502 saying why and the flow's error; a field
    /// Kestrel still refuses gets the stream a reset.
    /// </summary>
    private async ValueTask<bool> WriteHeadAsync(IFeatureCollection features, Flow flow, HttpResponse response, long? contentLength)
    {
        try
        {
            Http1Writer.CheckFields(response.Trailers, "trailer"); // known now only when the body was held
            Http1Writer.CheckFields(response.Headers, "header");
        }
        catch (UnsafeHeadException e)
        {
            await FailAsync(flow, e.Message);
            await AnswerErrorAsync(features, 502, e.Message);
            return false;
        }

        var target = features.Get<IHttpResponseFeature>()!; // Kestrel always provides it
        try
        {
            target.StatusCode = response.StatusCode;
            foreach (var field in response.Headers)
            {
                if (!IsConnectionSpecific(field.Name))
                {
                    target.Headers[field.Name] = StringValues.Concat(target.Headers[field.Name], field.Value);
                }
            }

            target.Headers.ContentLength = contentLength;
            return true;
        }
        catch (InvalidOperationException e)
        {
            flow.Error = new FlowError($"unsafe response head: {e.Message}", _context.Time.GetUtcNow());
            features.Get<IHttpResetFeature>()?.Reset(0x2); // INTERNAL_ERROR
            return false;
        }
    }

    /// <summary>The response's trailers, sent as the stream's last HEADERS frame when the body completes; false (and a reset) when Kestrel refuses one.</summary>
    private bool WriteTrailers(IFeatureCollection features, Flow flow, HttpResponse response)
    {
        if (response.Trailers is not { Count: > 0 } trailers || features.Get<IHttpResponseTrailersFeature>() is not { } trailersFeature)
        {
            return true;
        }

        try
        {
            foreach (var field in trailers)
            {
                trailersFeature.Trailers[field.Name] = StringValues.Concat(trailersFeature.Trailers[field.Name], field.Value);
            }

            return true;
        }
        catch (InvalidOperationException e)
        {
            flow.Error = new FlowError($"unsafe response trailer: {e.Message}", _context.Time.GetUtcNow());
            features.Get<IHttpResetFeature>()?.Reset(0x2); // INTERNAL_ERROR
            return false;
        }
    }

    private static long? BodylessLength(HttpResponse response)
    {
        var headers = response.Headers.Clone();
        BodyFraming.ForBodylessResponse(headers, response.StatusCode);
        return headers.Contains("Content-Length") ? DeclaredLength(response) : null;
    }

    private static bool IsConnectionSpecific(string name) =>
        name.Equals("connection", StringComparison.OrdinalIgnoreCase) || name.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("proxy-connection", StringComparison.OrdinalIgnoreCase) || name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("upgrade", StringComparison.OrdinalIgnoreCase) || name.Equals("content-length", StringComparison.OrdinalIgnoreCase);

    private async ValueTask AnswerErrorAsync(IFeatureCollection features, int status, string message)
    {
        var target = features.Get<IHttpResponseFeature>()!;
        if (target.HasStarted)
        {
            features.Get<IHttpResetFeature>()?.Reset(0x2);
            return;
        }

        var body = System.Text.Encoding.UTF8.GetBytes($"MitmFixture: {message}\n");
        target.StatusCode = status;
        target.Headers.ContentType = "text/plain; charset=utf-8";
        target.Headers.ContentLength = body.Length;
        var bodyFeature = features.Get<IHttpResponseBodyFeature>()!;
        await bodyFeature.Writer.WriteAsync(body, Shutdown);
        await bodyFeature.CompleteAsync();
    }
}
