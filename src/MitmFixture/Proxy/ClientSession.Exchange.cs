using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>One request/response exchange: hooks, bodies (buffered or streamed), the server round trip.</summary>
internal sealed partial class ClientSession
{
    /// <summary>
    /// Serves one flow. Returns true when the client connection can carry another request.
    /// <code>
    /// request headers hook ─► [100 Continue] ─► body (buffer | stream) ─► request hook ─┬─ answered ─► response hook ─► client
    ///                                                                                   └─ server: head ─► response headers hook ─► body ─► response hook ─► client
    /// </code>
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    private async ValueTask<bool> ExchangeAsync(Flow flow, DuplexConnection? client, BodyFraming framing)
    {
        var request = flow.Request;
        var decoder = framing.Kind == BodyKind.Chunked ? new ChunkedDecoder(Limits) : null;
        var body = new PendingBody(client?.Reader, framing, decoder, new BodyReadClock(_clientDeadline, Limits.ResponseTimeout, Limits.MinRequestBodyDataRate));
        _responseStarted = false;
        try
        {
            // 0. HTTP/1.0 has no chunked coding: RFC 9112 §6.1 says its Transfer-Encoding makes the framing
            // faulty and the connection must close. Refused before any addon or server sees it, as Kestrel does.
            if (client is not null && framing.Kind == BodyKind.Chunked && ClientIsHttp10(request))
            {
                await RefuseAsync(flow, client, 400, "an HTTP/1.0 request with Transfer-Encoding has faulty framing (HTTP/1.0 has no chunked coding; RFC 9112 §6.1)");
                return false;
            }

            // 1. Headers are in; addons may answer, kill, or ask for the body to be streamed.
            await _pipeline.RequestHeadersAsync(flow, Shutdown);
            if (flow.Killed)
            {
                return await KilledAsync(flow);
            }

            // 2. The proxy answers Expect itself and drops it: the body must reach addons before any server sees it.
            if (request.Headers.Contains("Expect"))
            {
                var wantsContinue = request.Headers.HasToken("Expect", "100-continue");
                request.Headers.Remove("Expect");
                if (wantsContinue && client is not null && flow.Response is null && body.Pending)
                {
                    Http1Writer.Write(client.Writer, "HTTP/1.1 100 Continue\r\n\r\n"u8);
                    await FlushClientAsync(client.Writer);
                }
            }

            // 3. The request body: in memory unless streaming was asked for or it is too large.
            if (flow.Response is null && body.Pending && !await ReadRequestBodyAsync(flow, client!, body))
            {
                return false;
            }

            request.TimestampEnd ??= _context.Time.GetUtcNow();
            if (flow.Response is null)
            {
                await _pipeline.RequestAsync(flow, Shutdown);
                if (flow.Killed)
                {
                    return await KilledAsync(flow);
                }
            }

            // 4. The server round trip, unless an addon answered.
            if (flow.Response is null)
            {
                if (flow.Replay == ReplayKind.Request)
                {
                    CheckRecordedHead(flow, request, "request");
                }

                if (!await ForwardAsync(flow, client, body))
                {
                    return false;
                }
            }
            else
            {
                flow.Response.TimestampStart ??= _context.Time.GetUtcNow();
                flow.Response.TimestampEnd ??= flow.Response.TimestampStart;
                await _pipeline.ResponseAsync(flow, Shutdown);
                if (flow.Killed)
                {
                    return await KilledAsync(flow);
                }

                if (client is not null && flow.WebSocketPlayback is { } playback && flow.Response!.StatusCode == 101)
                {
                    await PlayWebSocketAsync(flow, client, playback);
                    return false;
                }

                if (client is not null)
                {
                    if (flow.Replay == ReplayKind.Response)
                    {
                        CheckRecordedHead(flow, flow.Response!, "response");
                    }

                    await WriteResponseAsync(client, request, flow.Response!, ClientIsHttp10(request)); // an addon answered
                }
            }

            return client is not null && !body.Pending && ClientKeepsAlive(request, flow.Response);
        }
        catch (MalformedHttpException e)
        {
            // The client's body broke the protocol: tell it, record why, and close.
            await FailAsync(flow, e.Message);
            if (client is not null)
            {
                await TryWriteErrorAsync(client, e.StatusCode, e.Message);
            }

            return false;
        }
        catch (UnsafeHeadException e)
        {
            // CR, LF or NUL put into a head by an addon, an edit or a cassette: the flow fails, nothing of it is sent.
            await DropUpstreamAsync();
            await FailAsync(flow, e.Message);
            if (client is not null && !_responseStarted)
            {
                await TryWriteErrorAsync(client, 502, e.Message);
                return !body.Pending && !ClientIsHttp10(request);
            }

            return false;
        }
        catch (UpstreamException e)
        {
            await DropUpstreamAsync();
            await FailAsync(flow, e.Message);
            if (client is not null && !_responseStarted)
            {
                await TryWriteErrorAsync(client, e.StatusCode, e.Message);
                return !body.Pending && ClientKeepsAlive(request, null);
            }

            return false;
        }
        catch (OperationCanceledException) when (body.Clock.RateMissed && client is not null)
        {
            // Kestrel answers a too slow upload with 408 and closes (MinRequestBodyDataRate).
            await DropUpstreamAsync();
            await RefuseAsync(flow, client, 408, $"the request body arrived slower than the minimum data rate ({Limits.MinRequestBodyDataRate})");
            return false;
        }
        catch (OperationCanceledException) when (_clientWriteDeadline.Expired)
        {
            await DropUpstreamAsync();
            await FailAsync(flow, $"the client read the response slower than the minimum data rate ({Limits.MinResponseDataRate}); connection closed");
            return false;
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            await DropUpstreamAsync();
            await FailAsync(flow, Shutdown.IsCancellationRequested ? "proxy shut down" : $"client connection failed: {e.Message}");
            return false;
        }
    }

    private async ValueTask<bool> ReadRequestBodyAsync(Flow flow, DuplexConnection client, PendingBody body)
    {
        var request = flow.Request;
        var threshold = _context.Options.StreamLargeBodies;
        if (!request.Stream && body.Framing.Kind == BodyKind.Length)
        {
            if (threshold is { } t && body.Framing.Length > t)
            {
                request.Stream = true;
            }
            else if (body.Framing.Length > Limits.MaxBufferedBodyBytes)
            {
                await RefuseAsync(flow, client, 413, $"request body of {body.Framing.Length} bytes exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
                return false;
            }
        }

        if (request.Stream)
        {
            body.StartStreaming([]);
            request.Body = null;
            return true;
        }

        var read = await BodyTransfer.ReadAsync(client.Reader, body.Framing, body.Decoder, threshold ?? Limits.MaxBufferedBodyBytes, body.Clock);
        if (read.Complete)
        {
            body.Finished();
            read.StoreIn(request);
            request.Trailers = read.Trailers;
            return true;
        }

        if (threshold is null)
        {
            await RefuseAsync(flow, client, 413, $"request body exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
            return false;
        }

        request.Stream = true;
        request.Body = null;
        body.StartStreaming(read.ToArray()); // at most stream_large_bodies bytes
        return true;
    }

    /// <summary>Completes the handshake for the client's own key (RFC 6455 §4.2.2) and plays the recorded conversation.</summary>
    private async ValueTask PlayWebSocketAsync(Flow flow, DuplexConnection client, WebSocketPlayback playback)
    {
        var response = flow.Response!; // checked by the caller
        response.Headers.Remove("Sec-WebSocket-Extensions");
        if (flow.Request.Headers.Get("Sec-WebSocket-Key") is { } key)
        {
#pragma warning disable CA5350 // SHA1 is what RFC 6455 prescribes for the accept value, not a security choice
            var accept = Convert.ToBase64String(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.ASCII.GetBytes(key.Trim() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
            response.Headers.Set("Sec-WebSocket-Accept", accept);
        }

        Http1Writer.WriteResponseHead(client.Writer, response.HttpVersion, response.StatusCode, response.Reason, response.Headers); // refuses an unsafe head before writing a byte
        _responseStarted = true;
        await FlushClientAsync(client.Writer);
        flow.WebSocket = new WebSocketData();
        await _pipeline.WebSocketStartAsync(flow, Shutdown);
        await new WebSocketPlayer(_context, flow, client, playback).RunAsync();
        await _pipeline.WebSocketEndAsync(flow, CancellationToken.None);
    }

    private CancellationToken ArmServerRead() => _serverDeadline.Arm(Limits.ResponseTimeout);

    private BodyReadClock ServerBodyClock() => new(_serverDeadline, Limits.ResponseTimeout);

    /// <summary>
    /// Flushes to the client within the grace period plus the time the pending bytes take at the
    /// minimum rate, as Kestrel times response writes (MinResponseDataRate): a client that stops
    /// reading while TCP buffers are full is cut off instead of holding the connection for ever.
    /// </summary>
    private async ValueTask<FlushResult> FlushClientAsync(PipeWriter writer)
    {
        if (Limits.MinResponseDataRate is not { } rate)
        {
            return await writer.FlushAsync(Shutdown);
        }

        var bytes = writer.CanGetUnflushedBytes ? writer.UnflushedBytes : 0;
        try
        {
            return await writer.FlushAsync(_clientWriteDeadline.Arm(rate.GracePeriod + TimeSpan.FromSeconds(bytes / rate.BytesPerSecond)));
        }
        finally
        {
            _clientWriteDeadline.Disarm();
        }
    }

    private async ValueTask RefuseAsync(Flow flow, DuplexConnection client, int status, string message)
    {
        await FailAsync(flow, message);
        await TryWriteErrorAsync(client, status, message);
    }

    private async ValueTask<bool> KilledAsync(Flow flow)
    {
        flow.Error ??= new FlowError(FlowError.KilledMessage, _context.Time.GetUtcNow());
        await _pipeline.ErrorAsync(flow, CancellationToken.None);
        await DropUpstreamAsync();
        return false;
    }

    /// <summary>
    /// Records the error, runs the error hook, then logs the flow's line: after the hook, as its
    /// answered flow's line follows the response hook, so an addon that keeps the log (the fixture's
    /// redacted test output) has learned the flow's own secrets before the line that can quote them.
    /// </summary>
    private async ValueTask FailAsync(Flow flow, string message)
    {
        flow.Error = new FlowError(message, _context.Time.GetUtcNow());
        try
        {
            await _pipeline.ErrorAsync(flow, CancellationToken.None);
        }
        finally
        {
            ProxyLog.FlowFailed(_context.Logger, flow.Request.Method, flow.Request.Url, message);
        }
    }

    private static bool ClientIsHttp10(HttpRequest request) => request.HttpVersion == "HTTP/1.0";

    /// <summary>HTTP/1.1 persists unless either side says close; HTTP/1.0 closes unless it asked for keep-alive (RFC 9112 §9.3).</summary>
    private static bool ClientKeepsAlive(HttpRequest request, HttpResponse? response)
    {
        if (request.Headers.HasToken("Connection", "close") || (response is not null && response.Headers.HasToken("Connection", "close")))
        {
            return false;
        }

        return !ClientIsHttp10(request) || request.Headers.HasToken("Connection", "keep-alive");
    }

    /// <summary>Where the request body stands: still on the client's pipe, being streamed, or read.</summary>
    private sealed class PendingBody(PipeReader? reader, BodyFraming framing, ChunkedDecoder? decoder, BodyReadClock clock)
    {
        /// <summary>Times the client's upload, across buffering and streaming alike.</summary>
        public BodyReadClock Clock { get; } = clock;

        public PipeReader? Reader { get; } = reader;

        public BodyFraming Framing { get; } = framing;

        public ChunkedDecoder? Decoder { get; } = decoder;

        /// <summary>True while body bytes remain unread on the client connection.</summary>
        public bool Pending { get; private set; } = reader is not null && framing.Kind != BodyKind.None;

        public bool Streaming { get; private set; }

        /// <summary>Bytes already read before streaming began (the body outgrew the buffer).</summary>
        public byte[] Prefix { get; private set; } = [];

        public void StartStreaming(byte[] prefix)
        {
            Streaming = true;
            Prefix = prefix;
        }

        public void Finished() => Pending = false;
    }
}
