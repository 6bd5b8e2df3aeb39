using System.Buffers;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>One HTTP/2 stream's exchange: hooks, bodies held whole or streamed both ways at once, trailers.</summary>
internal sealed partial class ClientSession
{
    /// <summary>How long a finished response waits for the request body still being relayed (the server answered before the client ended).</summary>
    private static readonly TimeSpan RequestDrainGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Serves one stream's flow. A body is held whole (up to <c>body_size_limit</c>) unless it must
    /// stream: a gRPC call always streams, message by message, and any other body streams when an
    /// addon asks (<see cref="HttpMessage.Stream"/>) or it outgrows <c>stream_large_bodies</c>. A
    /// streamed request body flows to the server while the response flows back (full duplex).
    /// <code>
    /// request headers hook ─┬─ gRPC replay: played offline (GrpcPlayer)
    ///                       └─ body (whole | streaming) ─► request hook ─┬─ answered ─► response hook ─► client
    ///                                                                    └─ server head ─► response headers hook ─► body (whole | streamed) ─► response hook ─► trailers, end
    /// </code>
    /// </summary>
    private async Task ExchangeHttp2Async(IFeatureCollection features, Flow flow, CancellationToken cancellationToken)
    {
        var request = flow.Request;
        var grpc = GrpcFraming.IsGrpc(request.ContentType);
        var clientBody = features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true ? features.Get<IHttpRequestFeature>()!.Body : Stream.Null; // Kestrel always provides it
        if (grpc && features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            // A streaming call's client may rightly be silent while it waits for answers (Grpc.AspNetCore lifts the rate for these calls too).
            rate.MinDataRate = null;
        }

        // 1. Headers are in; addons may answer, kill, ask for streaming, or (server replay) play a gRPC call.
        await _pipeline.RequestHeadersAsync(flow, cancellationToken);
        if (flow.Killed)
        {
            await KillStreamAsync(features, flow);
            return;
        }

        if (flow.Response is null && flow.GrpcPlayback is { } playback)
        {
            var player = new GrpcPlayer(_context, flow, features, clientBody, playback, () => ReplayedCallHookAsync(features, flow, cancellationToken));
            try
            {
                try
                {
                    await player.RunAsync(cancellationToken);
                }
                catch (GrpcFramingException e)
                {
                    await FailAsync(flow, $"the client's gRPC body is malformed: {e.Message}");
                    Reset(features, Http2ErrorCode.ProtocolError);
                    return;
                }

                if (!player.HookRan)
                {
                    await _pipeline.ResponseAsync(flow, cancellationToken);
                }
            }
            finally
            {
                // A call the recording does not implement: its line after the flow's hook, as FailAsync
                // logs one, so a redacted log has learned the flow first (never lost: in a finally).
                if (player.Failure is { } failure)
                {
                    ProxyLog.FlowFailed(_context.Logger, flow.Request.Method, flow.Request.Url, failure);
                }
            }

            return;
        }

        // 2. The request body: whole, unless it must stream.
        var threshold = _context.Options.StreamLargeBodies;
        var streamRequest = flow.Response is null && (grpc || request.Stream || DeclaredLength(request) > threshold);
        var requestPrefix = Array.Empty<byte>();
        if (flow.Response is null && !streamRequest)
        {
            var (data, complete) = await ReadWholeAsync(clientBody, threshold ?? Limits.MaxBufferedBodyBytes, readTimeout: null, cancellationToken, DeclaredLength(request));
            if (complete)
            {
                request.Body = data;
                ReadRequestTrailers(features, request);
                request.TimestampEnd = _context.Time.GetUtcNow();
            }
            else if (threshold is null)
            {
                await FailAsync(flow, $"request body exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
                await AnswerErrorAsync(features, 413, flow.Error!.Message); // set just above
                return;
            }
            else
            {
                streamRequest = true;
                requestPrefix = data;
            }
        }

        if (streamRequest)
        {
            request.Stream = true;
            request.Body = null;
        }

        if (flow.Response is null)
        {
            await _pipeline.RequestAsync(flow, cancellationToken);
            if (flow.Killed)
            {
                await KillStreamAsync(features, flow);
                return;
            }
        }

        if (flow.Response is { } answered)
        {
            // An addon answered: the client's body, if any, is left unread (Kestrel ends it with RST_STREAM NO_ERROR).
            answered.TimestampStart ??= _context.Time.GetUtcNow();
            answered.TimestampEnd ??= answered.TimestampStart;
            await _pipeline.ResponseAsync(flow, cancellationToken);
            if (flow.Killed)
            {
                await KillStreamAsync(features, flow);
                return;
            }

            try
            {
                if (flow.Replay == ReplayKind.Response)
                {
                    CheckRecordedHead(flow, answered, "response");
                }
            }
            catch (UnsafeHeadException e)
            {
                await FailAsync(flow, e.Message);
                await AnswerErrorAsync(features, 502, e.Message);
                return;
            }

            await AnswerAsync(features, flow, 502);
            return;
        }

        // 3. The server round trip.
        var relay = streamRequest ? new Http2BodyRelay(flow, fromClient: true, Limits.MaxBufferedBodyBytes, _context.Time) : null;
        StreamingRequestContent? streamingBody = null;
        try
        {
            if (relay is not null)
            {
#pragma warning disable CA2000 // disposed in the finally below (and by the request message that carries it)
                streamingBody = new StreamingRequestContent(async (serverSink, sendCancelled) =>
                {
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(sendCancelled, cancellationToken);
                    await relay.RunAsync(clientBody, serverSink, requestPrefix, readTimeout: null, either.Token);
                    ReadRequestTrailers(features, request); // kept on the flow; SocketsHttpHandler cannot send request trailers
                });
#pragma warning restore CA2000
            }

            await ForwardHttp2StreamAsync(features, flow, grpc, streamingBody, cancellationToken);
        }
        catch (Exception) when (streamingBody?.Failure is GrpcFramingException framing)
        {
            // The request body's own error says what went wrong; the exchange's failure is its consequence.
            await FailAsync(flow, $"the client's gRPC body is malformed: {framing.Message}");
            Reset(features, Http2ErrorCode.ProtocolError);
        }
        finally
        {
            streamingBody?.Dispose();
        }
    }

    private async Task ForwardHttp2StreamAsync(IFeatureCollection features, Flow flow, bool grpc, StreamingRequestContent? streamingBody, CancellationToken cancellationToken)
    {
        var threshold = _context.Options.StreamLargeBodies;
        using var answer = await _http2Upstream!.StartAsync(flow, ServerKeyFor(flow.Request), streamingBody, cancellationToken); // set on every stream session
        var response = answer.Head;
        flow.Response = response;
        await _pipeline.ResponseHeadersAsync(flow, cancellationToken);
        if (flow.Killed)
        {
            await KillStreamAsync(features, flow);
            return;
        }

        grpc |= GrpcFraming.IsGrpc(response.ContentType);
        var readTimeout = grpc ? (TimeSpan?)null : Limits.ResponseTimeout; // a gRPC stream may rightly idle; its deadline is the call's own
        var streamResponse = grpc || response.Stream || DeclaredLength(response) > threshold;
        await using var serverBody = await answer.OpenBodyAsync();
        var responsePrefix = Array.Empty<byte>();
        if (!streamResponse)
        {
            var (data, complete) = await ReadServerAsync(() => ReadWholeAsync(serverBody, threshold ?? Limits.MaxBufferedBodyBytes, readTimeout, answer.Token, DeclaredLength(response)), cancellationToken);
            if (complete)
            {
                response.Body = data;
                response.Trailers = answer.Trailers;
                response.TimestampEnd = _context.Time.GetUtcNow();
                await AwaitRequestBodyAsync(streamingBody, cancellationToken);
                await _pipeline.ResponseAsync(flow, cancellationToken);
                if (flow.Killed)
                {
                    await KillStreamAsync(features, flow);
                    return;
                }

                await AnswerAsync(features, flow, 502);
                return;
            }

            if (threshold is null)
            {
                throw new UpstreamException($"response body exceeds the {Limits.MaxBufferedBodyBytes}-byte limit (set stream_large_bodies to stream it)");
            }

            responsePrefix = data;
        }

        // The response streams: its head goes to the client now, its body as it arrives.
        response.Stream = true;
        var bodyFeature = features.Get<IHttpResponseBodyFeature>()!; // Kestrel always provides it
        if (!await WriteHeadAsync(features, flow, response, grpc ? null : DeclaredLength(response)))
        {
            return;
        }

        await bodyFeature.StartAsync(cancellationToken);
        var relay = new Http2BodyRelay(flow, fromClient: false, Limits.MaxBufferedBodyBytes, _context.Time);
        await ReadServerAsync(async () =>
        {
            await relay.RunAsync(serverBody, bodyFeature.Stream, responsePrefix, readTimeout, answer.Token);
            return true;
        }, cancellationToken);
        response.Trailers = answer.Trailers;
        await AwaitRequestBodyAsync(streamingBody, cancellationToken);
        await _pipeline.ResponseAsync(flow, cancellationToken);
        if (flow.Killed)
        {
            // Too late to hold the body back, but a kill still ends the stream without its trailers.
            await KillStreamAsync(features, flow);
            return;
        }

        if (WriteTrailers(features, flow, response))
        {
            await bodyFeature.CompleteAsync();
        }
    }

    /// <summary>Runs a read of the server's body, turning its failures into upstream failures (502, or 504 for a read that timed out).</summary>
    private async Task<T> ReadServerAsync<T>(Func<Task<T>> read, CancellationToken cancellationToken)
    {
        try
        {
            return await read();
        }
        catch (TimeoutException)
        {
            throw new UpstreamException($"the server sent no body bytes for {Limits.ResponseTimeout.TotalSeconds:0.#} s", 504);
        }
        catch (GrpcFramingException e)
        {
            throw new UpstreamException($"the server's gRPC body is malformed: {e.Message}", 502, e);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamException($"reading the response failed: {e.Message}", 502, e);
        }
    }

    /// <summary>
    /// The response is done; the request body normally is too. When the server answered before the
    /// client ended, the relay is given a moment to see the client's last messages, then abandoned
    /// (SocketsHttpHandler resets the request side once the response has ended).
    /// </summary>
    private async ValueTask AwaitRequestBodyAsync(StreamingRequestContent? streamingBody, CancellationToken cancellationToken)
    {
        if (streamingBody is null)
        {
            return;
        }

        try
        {
            await streamingBody.Completion.WaitAsync(RequestDrainGrace, _context.Time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The call's outcome is the response; what the client sent is on the flow as far as it went.
        }
    }

    private const int ReadChunk = 16 * 1024;

    /// <summary>
    /// Reads a body whole, up to <paramref name="limit"/> bytes: complete, or the bytes read when it
    /// outgrew the limit. The read buffer is pooled and a read that is already done takes no timer:
    /// a fresh 16 KiB chunk, a MemoryStream and a timer per read were most of the bytes an h2 request
    /// allocated (bench/RESULTS.md, "HTTP/2 throughput, second pass").
    /// </summary>
    /// <param name="declaredLength">The body's Content-Length, when it has one: a buffer of that size (plus the byte that shows the end) is rented, not 16 KiB.</param>
    private async Task<(byte[] Data, bool Complete)> ReadWholeAsync(Stream body, long limit, TimeSpan? readTimeout, CancellationToken cancellationToken, long? declaredLength = null)
    {
        if (body == Stream.Null)
        {
            return ([], true); // a request Kestrel knows has no body (END_STREAM on its HEADERS)
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declaredLength is >= 0 and < ReadChunk ? (int)declaredLength + 1 : ReadChunk);
        var filled = 0;
        var readPending = false; // a read abandoned on its timeout may still write into the buffer: it is then not returned to the pool
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var pending = body.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                int read;
                if (pending.IsCompleted || readTimeout is not { } timeout)
                {
                    read = await pending;
                }
                else
                {
                    readPending = true;
                    var waiting = pending.AsTask();
                    read = await waiting.WaitAsync(timeout, _context.Time, cancellationToken);
                    readPending = false;
                }

                if (read == 0)
                {
                    return (buffer.AsSpan(0, filled).ToArray(), true);
                }

                filled += read;
                if (filled > limit)
                {
                    return (buffer.AsSpan(0, filled).ToArray(), false);
                }
            }
        }
        finally
        {
            if (!readPending)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static void ReadRequestTrailers(IFeatureCollection features, HttpRequest request)
    {
        if (features.Get<IHttpRequestTrailersFeature>() is { Available: true, Trailers.Count: > 0 } trailers)
        {
            request.Trailers = ToHeaders(trailers.Trailers);
        }
    }

    /// <summary>A body's announced length, when it has one: what decides streaming before a byte is read.</summary>
    private static long? DeclaredLength(HttpMessage message) =>
        message.Headers.Get("content-length") is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length) ? length : null;

    /// <summary>A replayed gRPC call's response hook, before the call's end goes to the client. False when it was killed (the stream is reset).</summary>
    private async Task<bool> ReplayedCallHookAsync(IFeatureCollection features, Flow flow, CancellationToken cancellationToken)
    {
        await _pipeline.ResponseAsync(flow, cancellationToken);
        if (flow.Killed)
        {
            await KillStreamAsync(features, flow);
            return false;
        }

        return true;
    }

    private async ValueTask KillStreamAsync(IFeatureCollection features, Flow flow)
    {
        await KilledAsync(flow);
        Reset(features, Http2ErrorCode.Cancel); // as mitmproxy answers a killed h2 flow
    }

    private static void Reset(IFeatureCollection features, Http2ErrorCode code) => features.Get<IHttpResetFeature>()?.Reset((int)code);

    /// <summary>RST_STREAM error codes (RFC 9113 §7).</summary>
    private enum Http2ErrorCode
    {
        ProtocolError = 0x1,
        InternalError = 0x2,
        Cancel = 0x8,
    }
}
