using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>The server side of an exchange: sending the request, reading and relaying the response.</summary>
internal sealed partial class ClientSession
{
    /// <summary><see cref="FlushClientAsync"/> as a delegate made once per session rather than once per response.</summary>
    private Func<PipeWriter, ValueTask<FlushResult>> FlushClient => _flushClient ??= FlushClientAsync;

    private Func<PipeWriter, ValueTask<FlushResult>>? _flushServer;

    /// <summary><see cref="FlushServerAsync"/> as one delegate per session, not one per request.</summary>
    private Func<PipeWriter, ValueTask<FlushResult>> FlushServer => _flushServer ??= FlushServerAsync;

    /// <summary>True once any byte of the current response went to the client; after that an error can only close.</summary>
    private bool _responseStarted;

    /// <summary>
    /// Sends the request and delivers the response to the client. False when the client connection
    /// must close (killed, upgraded to a WebSocket, or a streamed response whose end only a close can mark).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    private async ValueTask<bool> ForwardAsync(Flow flow, DuplexConnection? client, PendingBody body)
    {
        var request = flow.Request;
        var key = ServerKeyFor(request);
        if (Http2ForwarderFor(flow, key) is { } http2)
        {
            return await ForwardThroughHttp2Async(flow, client, key, http2, body);
        }

        UpstreamConnection upstream;
        HttpResponse response;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                upstream = await AcquireUpstreamAsync(key, Shutdown, flow);
            }
            catch (Http2OnlyServerException e)
            {
                // Learnt just now: the server refused http/1.1. Translate, as for every later flow to it.
                var learned = Http2ForwarderFor(flow, key)
                    ?? throw new UpstreamException($"{e.Message}, and an HTTP/1.1 Upgrade cannot be translated to it (WebSockets over HTTP/2, RFC 8441, are not spoken)", 502, e);
                return await ForwardThroughHttp2Async(flow, client, key, learned, body);
            }

            flow.Server = _serverInfo;
            var reused = upstream.Requests++ > 0;
            try
            {
                await SendRequestAsync(upstream.Connection, request, client, body);
                response = await ReadResponseHeadAsync(upstream);
                break;
            }
            catch (StaleConnectionException) when (reused && attempt == 0 && !body.Streaming)
            {
                // A kept-alive server connection may close between requests (RFC 9112 §9.3.1): retry once on a new one.
                await DropUpstreamAsync();
            }
            catch (StaleConnectionException e)
            {
                throw new UpstreamException(e.Message, 502, e);
            }
        }

        flow.Response = response;
        BodyFraming serverFraming;
        try
        {
            serverFraming = BodyFraming.ForResponse(response, request.Method);
        }
        catch (MalformedHttpException e)
        {
            // The server broke framing rules, not the client: a 502, not a 400.
            await DropUpstreamAsync();
            throw new UpstreamException($"the server sent a malformed response: {e.Message}", 502, e);
        }

        if (response.StatusCode == 101 && client is not null)
        {
            if (!UpgradeWasOffered(request, response))
            {
                // RFC 9110 §15.2.2: a server may only switch to a protocol the client asked for. Relaying
                // raw bytes after an unasked-for 101 would hand the connection to the server unseen.
                await DropUpstreamAsync();
                throw new UpstreamException($"the server switched protocols (101, Upgrade: '{response.Headers.Get("Upgrade")}') though the request {(request.Headers.Get("Upgrade") is { } offered ? $"offered only '{offered}'" : "did not ask to upgrade")}", 502);
            }

            await RelayWebSocketAsync(flow, client, upstream);
            return false;
        }

        await _pipeline.ResponseHeadersAsync(flow, Shutdown);
        if (flow.Killed)
        {
            await KilledAsync(flow);
            return false;
        }

        var serverKeepsAlive = serverFraming.Kind != BodyKind.UntilClose &&
            !response.Headers.HasToken("Connection", "close") &&
            !request.Headers.HasToken("Connection", "close") &&
            (response.HttpVersion != "HTTP/1.0" || response.Headers.HasToken("Connection", "keep-alive"));
        var decoder = serverFraming.Kind == BodyKind.Chunked ? new ChunkedDecoder(Limits) : null;

        var streamed = await ReadResponseBodyAsync(flow, upstream.Connection, serverFraming, decoder);
        if (streamed.Stream)
        {
            var keepClient = await StreamResponseAsync(flow, client, upstream.Connection.Reader, serverFraming, decoder, streamed.Prefix);
            await FinishServerAsync(flow, upstream, serverKeepsAlive);
            return await FinishStreamedResponseAsync(flow, keepClient);
        }

        await FinishServerAsync(flow, upstream, serverKeepsAlive);
        return await DeliverHeldResponseAsync(flow, client);
    }

    /// <summary>A response streamed to the client, its hook run before its end was sent. False when the flow was killed or the client connection must close.</summary>
    private async ValueTask<bool> FinishStreamedResponseAsync(Flow flow, bool keepClient)
    {
        if (flow.Killed)
        {
            // The end of the body was held back: the client sees a cut-off response, and the connection closes.
            await KilledAsync(flow);
            return false;
        }

        return keepClient;
    }

    /// <summary>
    /// The response hook of a streamed response, once its body is in and before its end goes to the
    /// client (mitmproxy's order): a client that has the whole answer finds the flow finished
    /// (recorded, in the fixture's flows). False when an addon killed the flow.
    /// </summary>
    private async ValueTask<bool> StreamedResponseHookAsync(Flow flow)
    {
        flow.Response!.TimestampEnd = _context.Time.GetUtcNow(); // set by the caller
        await _pipeline.ResponseAsync(flow, Shutdown);
        return !flow.Killed;
    }

    /// <summary>A response read whole: the response hook, then the client gets it. False when the flow was killed.</summary>
    private async ValueTask<bool> DeliverHeldResponseAsync(Flow flow, DuplexConnection? client)
    {
        flow.Response!.TimestampEnd = _context.Time.GetUtcNow(); // set by the caller
        await _pipeline.ResponseAsync(flow, Shutdown);
        if (flow.Killed)
        {
            await KilledAsync(flow);
            return false;
        }

        if (client is not null)
        {
            await WriteResponseAsync(client, flow.Request, flow.Response!, ClientIsHttp10(flow.Request)); // addons may replace it, not clear it
        }

        return true;
    }

    /// <summary>
    /// A flow sent through an h2 forwarder (<see cref="Http2ForwarderFor"/>: an h2c or h2-only server, a
    /// client replay) and its answer written to the HTTP/1.1 client, if there is one. A request body
    /// that outgrew stream_large_bodies streams to the server; a response longer than it (or one an
    /// addon streams) streams back, chunked unless the server declared its length, the server's
    /// trailers after it. False when the client connection must close.
    /// </summary>
    private async ValueTask<bool> ForwardThroughHttp2Async(Flow flow, DuplexConnection? client, ServerKey key, Http2Upstream http2, PendingBody body)
    {
        var request = flow.Request;
        using var streamingBody = body.Streaming ? StreamRequestBodyTo(client!, body, request) : null; // streaming implies a client
        using var answer = await http2.StartAsync(flow, key, streamingBody, Shutdown);
        var response = answer.Head;
        flow.Response = response;
        if (flow.Replay == ReplayKind.Request && request.HttpVersion == "HTTP/2.0" && response.HttpVersion != "HTTP/2.0")
        {
            ProxyLog.ReplayNotHttp2(_context.Logger, request.Url, response.HttpVersion, flow.Server.Alpn ?? "none");
        }

        await _pipeline.ResponseHeadersAsync(flow, Shutdown);
        if (flow.Killed)
        {
            await KilledAsync(flow);
            return false;
        }

        var threshold = _context.Options.StreamLargeBodies;
        await using var serverBody = await answer.OpenBodyAsync();
        var declared = DeclaredLength(response);
        var prefix = Array.Empty<byte>();
        if (!response.Stream && !(declared > threshold))
        {
            var (data, complete) = await ReadServerAsync(() => ReadWholeAsync(serverBody, threshold ?? Limits.MaxBufferedBodyBytes, Limits.ResponseTimeout, answer.Token, declared), Shutdown);
            if (complete)
            {
                response.Body = data;
                response.Trailers = answer.Trailers;
                return await DeliverHeldResponseAsync(flow, client);
            }

            if (threshold is null)
            {
                throw new UpstreamException($"response body exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
            }

            prefix = data;
        }

        response.Stream = true;
        response.Body = null;
        var framing = declared is { } length ? new BodyFraming(BodyKind.Length, length) : new BodyFraming(BodyKind.UntilClose, 0);
        var source = PipeReader.Create(serverBody, new StreamPipeReaderOptions(leaveOpen: true));
        bool keepClient;
        try
        {
            keepClient = await StreamResponseAsync(flow, client, source, framing, null, prefix, () => answer.Trailers);
        }
        finally
        {
            await source.CompleteAsync();
        }

        return await FinishStreamedResponseAsync(flow, keepClient);
    }

    /// <summary>The HTTP/1.1 client's remaining body as an h2 request body: the bytes read so far, then the rest as it arrives.</summary>
    private static StreamingRequestContent StreamRequestBodyTo(DuplexConnection client, PendingBody body, HttpRequest request) => new(async (server, cancellationToken) =>
    {
        await server.WriteAsync(body.Prefix, cancellationToken);
        var writer = PipeWriter.Create(server, new StreamPipeWriterOptions(leaveOpen: true));
        try
        {
            await BodyTransfer.StreamAsync(client.Reader, body.Framing, body.Decoder, body.Framing.Length, writer, false, body.Clock, w => w.FlushAsync(cancellationToken), keepTrailersOn: request); // kept on the flow; SocketsHttpHandler cannot send request trailers
            body.Finished();
        }
        finally
        {
            await writer.CompleteAsync();
        }
    });

    /// <summary>The response is read: the server connection is kept for the next request only if nothing followed it.</summary>
    private async ValueTask FinishServerAsync(Flow flow, UpstreamConnection upstream, bool keepAlive)
    {
        if (!keepAlive)
        {
            await DropUpstreamAsync();
            return;
        }

        await KeepOrDiscardAsync(flow, upstream);
    }

    private ServerKey ServerKeyFor(HttpRequest request)
    {
        // The client's SNI goes upstream only for the host the client tunnelled to.
        var sni = request.Scheme == "https" && _client.TlsEstablished && _client.Sni is { } name &&
            string.Equals(_tlsHost, request.Host, StringComparison.OrdinalIgnoreCase) ? name : null;
        return new ServerKey(request.Scheme, request.Host, request.Port, sni);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // once per request: the state machine is pooled, not allocated
    private async ValueTask SendRequestAsync(DuplexConnection server, HttpRequest request, DuplexConnection? client, PendingBody body)
    {
        var headers = HeadScratch.CopyOf(request.Headers);
        headers.Remove("Proxy-Connection"); // meant for us, not the server
        if (!headers.Contains("Host"))
        {
            headers.Insert(0, "Host", request.Authority);
        }

        if (headers.HasToken("Upgrade", "websocket"))
        {
            // Extensions (permessage-deflate) would hide message contents from addons and recordings.
            headers.Remove("Sec-WebSocket-Extensions");
        }

        // HTTP/1.0 has no chunked coding (RFC 9112 §6.1: a recipient treats an HTTP/1.0 message with
        // Transfer-Encoding as faulty framing, and one that ignores it reads the chunks as the next
        // request), so a request sent as HTTP/1.0 goes with a Content-Length and without its trailers,
        // as an HTTP/1.0 client's answer goes without the server's.
        var trailers = request.HttpVersion == "HTTP/1.0" ? null : request.Trailers;
        var chunked = false;
        if (body.Streaming)
        {
            chunked = body.Framing.Kind != BodyKind.Length;
            if (chunked)
            {
                headers.Remove("Content-Length");
                headers.Set("Transfer-Encoding", "chunked");
            }
        }
        else
        {
            Http1Writer.CheckFields(trailers, "trailer"); // before the head goes into the buffer
            chunked = FixBufferedFraming(headers, request.BodyLength, trailers, forceLength: request.Headers.Contains("Content-Length") || request.Headers.Contains("Transfer-Encoding"));
        }

        var useAbsoluteForm = _context.Options.Mode.Kind == ProxyModeKind.Upstream && request.Scheme == "http";
        var target = useAbsoluteForm ? request.Url : request.TargetForm == RequestTargetForm.Asterisk ? "*" : request.Path;
        var writer = server.Writer;
        Http1Writer.WriteRequestHead(writer, request, target, headers);
        if (body.Streaming)
        {
            if (body.Prefix.Length > 0)
            {
                BodyTransfer.Write(writer, new ReadOnlySequence<byte>(body.Prefix), chunked);
            }

            await FlushServerAsync(writer);
            await BodyTransfer.StreamAsync(client!.Reader, body.Framing, body.Decoder, body.Framing.Length, writer, chunked, body.Clock, w => w.FlushAsync(Shutdown), keepTrailersOn: request); // streaming implies a client
            body.Finished();
            return;
        }

        await WriteBufferedBodyAsync(writer, request, trailers, chunked, FlushServer);
    }

    /// <summary>Flushes the request to the server; a server that is gone is a stale connection (retried once when reused).</summary>
    private async ValueTask<FlushResult> FlushServerAsync(PipeWriter writer)
    {
        try
        {
            var result = await writer.FlushAsync(Shutdown);
            if (result.IsCompleted)
            {
                throw new StaleConnectionException("the server closed the connection");
            }

            return result;
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new StaleConnectionException($"writing to the server failed: {e.Message}");
        }
    }

    /// <summary>Reads the response head, skipping interim 1xx answers other than 101.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    private async ValueTask<HttpResponse> ReadResponseHeadAsync(UpstreamConnection server)
    {
        var reader = server.Connection.Reader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await server.ReadAsync(ArmServerRead()); // the first read may be the one left pending while idle
            }
            catch (OperationCanceledException) when (_serverDeadline.Expired)
            {
                throw new UpstreamException($"the server did not answer within {Limits.ResponseTimeout.TotalSeconds:0.#} s", 504);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                throw new StaleConnectionException($"reading from the server failed: {e.Message}");
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                throw new StaleConnectionException("the server closed the connection without answering");
            }

            var sequence = new SequenceReader<byte>(buffer);
            bool parsed;
            HttpResponse? response;
            try
            {
                parsed = Http1Parser.TryParseResponseHead(ref sequence, Limits, out response);
            }
            catch (MalformedHttpException e)
            {
                throw new UpstreamException($"the server sent a malformed response: {e.Message}", 502, e);
            }

            if (parsed)
            {
                reader.AdvanceTo(sequence.Position);
                if (response!.StatusCode is >= 100 and < 200 && response.StatusCode != 101)
                {
                    continue; // 100 Continue was answered by us; 103 Early Hints are optional (RFC 8297 §2).
                }

                response.TimestampStart = _context.Time.GetUtcNow();
                return response;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new UpstreamException("the server closed the connection in the middle of the response head");
            }
        }
    }

    private readonly record struct ResponseBodyRead(bool Stream, byte[] Prefix);

    private async ValueTask<ResponseBodyRead> ReadResponseBodyAsync(Flow flow, DuplexConnection server, BodyFraming framing, ChunkedDecoder? decoder)
    {
        var response = flow.Response!; // set by the caller
        var threshold = _context.Options.StreamLargeBodies;
        if (framing.Kind == BodyKind.None)
        {
            response.Body = [];
            return new ResponseBodyRead(false, []);
        }

        if (!response.Stream && framing.Kind == BodyKind.Length)
        {
            if (threshold is { } t && framing.Length > t)
            {
                response.Stream = true;
            }
            else if (framing.Length > Limits.MaxBufferedBodyBytes)
            {
                throw new UpstreamException($"response body of {framing.Length} bytes exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
            }
        }

        if (response.Stream)
        {
            response.Body = null;
            return new ResponseBodyRead(true, []);
        }

        BufferedBody read;
        try
        {
            read = await BodyTransfer.ReadAsync(server.Reader, framing, decoder, threshold ?? Limits.MaxBufferedBodyBytes, ServerBodyClock());
        }
        catch (OperationCanceledException) when (_serverDeadline.Expired)
        {
            throw new UpstreamException($"the server stopped sending the body for {Limits.ResponseTimeout.TotalSeconds:0.#} s", 504);
        }
        catch (MalformedHttpException e)
        {
            throw new UpstreamException($"the server sent a malformed body: {e.Message}", 502, e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new UpstreamException($"reading the response body failed: {e.Message}", 502, e);
        }

        if (read.Complete)
        {
            read.StoreIn(response);
            response.Trailers = read.Trailers;
            return new ResponseBodyRead(false, []);
        }

        if (threshold is null)
        {
            throw new UpstreamException($"response body exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
        }

        response.Stream = true;
        response.Body = null;
        return new ResponseBodyRead(true, read.ToArray()); // at most stream_large_bodies bytes
    }

    /// <summary>Relays a streamed response with constant memory. False when only closing the connection can end it for the client.</summary>
    private async ValueTask<bool> StreamResponseAsync(Flow flow, DuplexConnection? client, PipeReader source, BodyFraming framing, ChunkedDecoder? decoder, byte[] prefix, Func<HttpHeaders?>? lateTrailers = null)
    {
        var response = flow.Response!; // set by the caller
        var clientHttp10 = ClientIsHttp10(flow.Request);
        var destination = client?.Writer ?? NullPipeWriter.Instance;
        var headers = HeadScratch.CopyOf(response.Headers);
        var chunked = false;
        var closeToEnd = false;
        if (framing.Kind != BodyKind.Length)
        {
            headers.Remove("Content-Length");
            headers.Remove("Transfer-Encoding");
            if (clientHttp10)
            {
                closeToEnd = true;
                headers.Set("Connection", "close");
            }
            else
            {
                chunked = true;
                headers.Set("Transfer-Encoding", "chunked");
            }
        }

        Http1Writer.WriteResponseHead(destination, response.HttpVersion, response.StatusCode, response.Reason, headers); // refuses an unsafe head before writing a byte
        _responseStarted = true;
        if (prefix.Length > 0)
        {
            BodyTransfer.Write(destination, new ReadOnlySequence<byte>(prefix), chunked);
        }

        await FlushClientAsync(destination);
        try
        {
            var remaining = framing.Kind == BodyKind.Length ? framing.Length : -1;
            await BodyTransfer.StreamAsync(source, framing, decoder, remaining, destination, chunked, ServerBodyClock(), FlushClient, lateTrailers, keepTrailersOn: response, beforeEnd: () => StreamedResponseHookAsync(flow));
        }
        catch (OperationCanceledException) when (_serverDeadline.Expired)
        {
            throw new UpstreamException($"the server stopped sending the body for {Limits.ResponseTimeout.TotalSeconds:0.#} s", 504);
        }

        return !closeToEnd && ClientKeepsAlive(flow.Request, response);
    }

    /// <summary>Writes a whole response, with framing that matches its body as it is now (addons may have changed it).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))] // once per request: the state machine is pooled, not allocated
    private async ValueTask WriteResponseAsync(DuplexConnection connection, HttpRequest request, HttpResponse response, bool clientHttp10)
    {
        var headers = HeadScratch.CopyOf(response.Headers);
        var writer = connection.Writer;
        var bodyless = request.Method == "HEAD" || response.StatusCode is < 200 or 204 or 304;
        var chunked = false;
        if (!bodyless)
        {
            var trailers = clientHttp10 ? null : response.Trailers;
            Http1Writer.CheckFields(trailers, "trailer"); // before the head goes into the buffer
            chunked = FixBufferedFraming(headers, response.BodyLength, trailers, forceLength: true);
        }
        else
        {
            BodyFraming.ForBodylessResponse(headers, response.StatusCode);
        }

        Http1Writer.WriteResponseHead(writer, response.HttpVersion, response.StatusCode, response.Reason, headers); // refuses an unsafe head before writing a byte
        _responseStarted = true;
        if (!bodyless)
        {
            await WriteBufferedBodyAsync(writer, response, clientHttp10 ? null : response.Trailers, chunked, FlushClient);
        }
        else
        {
            await FlushClientAsync(writer);
        }
    }

    /// <summary>Sets Content-Length for a body held in memory, or chunked framing when trailers must travel. True for chunked.</summary>
    private static bool FixBufferedFraming(HttpHeaders headers, long? bodyLength, HttpHeaders? trailers, bool forceLength)
    {
        headers.Remove("Transfer-Encoding");
        if (trailers is not null)
        {
            headers.Remove("Content-Length");
            headers.Set("Transfer-Encoding", "chunked");
            return true;
        }

        var length = bodyLength ?? 0;
        if (length > 0 || forceLength)
        {
            headers.Set("Content-Length", length.ToString(CultureInfo.InvariantCulture));
        }

        return false;
    }

    /// <summary>
    /// Writes a body held in memory slice by slice, flushing each: the pipe never holds a second copy
    /// of a large body, and each flush is timed for its own size (the minimum response data rate).
    /// </summary>
    private static async ValueTask WriteBufferedBodyAsync(PipeWriter writer, HttpMessage message, HttpHeaders? trailers, bool chunked, Func<PipeWriter, ValueTask<FlushResult>> flush)
    {
        const int Slice = 64 * 1024;
        SegmentedBody? body = null;
        if (message.WholeBodyForWriting is { Length: <= Slice } whole)
        {
            // The usual small body: no segment list or slice iterator to allocate.
            WriteBodyPart(writer, whole, chunked);
        }
        else
        {
            body = message.BodyForWriting;
        }

        var first = true;
        foreach (var slice in body?.Slices(Slice) ?? [])
        {
            if (!first)
            {
                await FlushOrThrowAsync(writer, flush);
            }

            first = false;
            WriteBodyPart(writer, slice.Span, chunked);
        }

        if (chunked)
        {
            Http1Writer.WriteLastChunk(writer, trailers);
        }

        await FlushOrThrowAsync(writer, flush);
    }

    private static void WriteBodyPart(PipeWriter writer, ReadOnlySpan<byte> part, bool chunked)
    {
        if (chunked)
        {
            Http1Writer.WriteChunk(writer, part);
        }
        else
        {
            Http1Writer.Write(writer, part);
        }
    }

    private static async ValueTask FlushOrThrowAsync(PipeWriter writer, Func<PipeWriter, ValueTask<FlushResult>> flush)
    {
        if ((await flush(writer)).IsCompleted)
        {
            throw new IOException("the receiving side closed the connection");
        }
    }

    /// <summary>Answers the client with a short plain-text error, if it is still listening.</summary>
    private async ValueTask TryWriteErrorAsync(DuplexConnection connection, int status, string message)
    {
        _lingerOnClose = true;
        try
        {
            var body = System.Text.Encoding.UTF8.GetBytes($"MitmFixture: {message}\n");
            var headers = new HttpHeaders(
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)),
                ("Connection", status is 502 or 504 ? "keep-alive" : "close"));
            Http1Writer.WriteResponseHead(connection.Writer, "HTTP/1.1", status, ReasonPhrases.For(status), headers);
            Http1Writer.Write(connection.Writer, body);
            await FlushClientAsync(connection.Writer);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // The client is gone; the flow already records the error.
        }
    }

    /// <summary>Passes the 101 answer to the client and relays WebSocket messages until both sides close.</summary>
    private async ValueTask RelayWebSocketAsync(Flow flow, DuplexConnection client, UpstreamConnection upstream)
    {
        var response = flow.Response!; // the 101 just read
        await _pipeline.ResponseHeadersAsync(flow, Shutdown);
        response.Body = [];
        if (!flow.Killed)
        {
            await _pipeline.ResponseAsync(flow, Shutdown);
        }

        if (flow.Killed)
        {
            await KilledAsync(flow); // the client never sees the 101
            return;
        }

        if (flow.Request.Headers.HasToken("Upgrade", "websocket"))
        {
            // The offer was removed from the request (SendRequestAsync); a server that accepts an
            // extension anyway must not make the client expect compressed frames (RFC 6455 §9.1).
            response.Headers.Remove("Sec-WebSocket-Extensions");
        }

        Http1Writer.WriteResponseHead(client.Writer, response.HttpVersion, response.StatusCode, response.Reason, response.Headers); // refuses an unsafe head before writing a byte
        _responseStarted = true;
        await client.Writer.FlushAsync(Shutdown);
        if (!flow.Request.Headers.HasToken("Upgrade", "websocket"))
        {
            // Another protocol (h2c, a custom one): nothing to parse, so pass bytes through.
            _upstream = null;
            await using (upstream)
            {
                await RawRelay.RunAsync(client, upstream.Connection, Shutdown);
            }

            return;
        }

        flow.WebSocket = new WebSocketData();
        await _pipeline.WebSocketStartAsync(flow, Shutdown);
        _upstream = null; // the connection now belongs to the relay
        await using (upstream)
        {
            await new WebSocketRelay(_context, flow, client, upstream.Connection).RunAsync();
        }
    }

    /// <summary>True when the request asked to upgrade and the 101 names only protocols it offered.</summary>
    private static bool UpgradeWasOffered(HttpRequest request, HttpResponse response)
    {
        if (!request.Headers.Contains("Upgrade"))
        {
            return false;
        }

        var chosen = response.Headers.GetAll("Upgrade").SelectMany(v => v.Split(',')).Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        return chosen.All(protocol => request.Headers.HasToken("Upgrade", protocol));
    }

    /// <summary>A reused server connection that turned out closed; safe to retry when the request was not streamed.</summary>
    private sealed class StaleConnectionException(string message) : IOException(message);
}
