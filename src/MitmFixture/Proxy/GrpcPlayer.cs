using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// Plays a recorded gRPC call to an HTTP/2 client, offline. The recording's messages are one
/// sequence, both directions in the order the proxy saw them; the player walks it: where the
/// recording has the client speak next it reads the client's next message (and checks it against
/// the recording), where the server spoke next it sends that message at once. So a bidirectional
/// call that waits for each answer gets it, and a client-streaming call is answered once it has
/// sent what the recording had it send. Where the recorded client ended its side before the
/// server's next message (or the call's end), the player waits for the client's end too.
/// <para>
/// Several recordings may share the method path (the same call with other messages): they are
/// candidates, and each client message narrows them; the first still agreeing, in recording order,
/// leads. The first server message (or the end of a call without one) commits to the lead, which is
/// then taken from the store. A client message no candidate expects ends the call with
/// <c>grpc-status</c> 12 (UNIMPLEMENTED: the recording does not implement it) and a
/// <c>grpc-message</c> saying what was expected, also the flow's error.
/// </para>
/// </summary>
/// <param name="beforeEnd">
/// The response hook, run once the call's answer is complete and before its end goes to the client
/// (as for a live call): false when the flow was killed there and the stream reset instead.
/// </param>
internal sealed class GrpcPlayer(ProxyContext context, Flow flow, IFeatureCollection features, Stream clientBody, GrpcPlayback playback, Func<Task<bool>> beforeEnd)
{
    /// <summary>UNIMPLEMENTED (gRPC status codes): the recording has no such call.</summary>
    private const string UnimplementedStatus = "12";

    private readonly List<GrpcMessage> _received = [];
    private readonly List<byte[]?> _comparable = []; // each received message as a recording holds it (MessageMatch); null when it cannot be told so
    private readonly List<(bool, byte[])> _sent = [];
    private bool _clientEnded;

    /// <summary>True once the response hook ran (<c>beforeEnd</c>); a call that ended otherwise (a reset) leaves it to the caller.</summary>
    public bool HookRan { get; private set; }

    /// <summary>
    /// The flow's error when the call ended UNIMPLEMENTED, for the caller to log once the flow's hook
    /// has run, wherever it ran: an addon that keeps a redacted log (the fixture's test output) learns
    /// the flow's secrets in that hook, so the line that could quote them comes after it.
    /// </summary>
    public string? Failure { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var candidates = playback.Candidates.Select(c => new Candidate(c, playback.Redact is not null)).ToList();
        flow.Grpc = new GrpcData();
        var reader = PipeReader.Create(clientBody, new StreamPipeReaderOptions(leaveOpen: true));
        Candidate? chosen = null;
        HttpResponse? response = null;
        try
        {
            while (true)
            {
                if (chosen is not null && !chosen.Agrees(_received, _comparable, _clientEnded, playback.MatchAnyMessage))
                {
                    await EndUnexpectedAsync(response!, chosen.Explain(_received, _comparable, _clientEnded)); // set with chosen
                    return;
                }

                var lead = chosen ?? candidates.Find(c => c.Agrees(_received, _comparable, _clientEnded, playback.MatchAnyMessage));
                if (lead is null)
                {
                    await EndUnexpectedAsync(null, candidates.Count == 0 ? "the recordings of this call were all served" : candidates[0].Explain(_received, _comparable, _clientEnded));
                    return;
                }

                var next = lead.Next(_received.Count, _sent.Count);
                if ((next >= 0 && lead.Messages[next].FromClient) || (!_clientEnded && lead.ClientEndedBefore(next)))
                {
                    await ReceiveAsync(reader, cancellationToken);
                    continue;
                }

                if (chosen is null)
                {
                    response = playback.Claim(lead.Flow);
                    if (response is null)
                    {
                        candidates.Remove(lead); // another call took it meanwhile
                        continue;
                    }

                    chosen = lead;
                    flow.Replay = ReplayKind.Response;
                    if (next >= 0 && !WriteHead(response))
                    {
                        return;
                    }
                }

                if (next < 0)
                {
                    await EndAsync(response!, response!.Trailers); // set with chosen
                    return;
                }

                await SendAsync(lead.Messages[next], cancellationToken);
            }
        }
        finally
        {
            await reader.CompleteAsync();
            if (!HookRan)
            {
                KeepRequest();
            }
        }
    }

    /// <summary>The client's side of the call as far as it came, on the flow.</summary>
    private void KeepRequest()
    {
        flow.Request.Stream = true;
        flow.Request.Body = GrpcFraming.Join(_received.Select(m => (m.Compressed, m.Content)));
        flow.Request.TimestampEnd ??= context.Time.GetUtcNow();
    }

    /// <summary>Reads the client's next message, or notes that it ended its side.</summary>
    private async Task ReceiveAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        var limit = context.Options.Limits.MaxBufferedBodyBytes;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var frames = new SequenceReader<byte>(buffer);
            if (GrpcFraming.TryRead(ref frames, limit, out var compressed, out var payload))
            {
                var message = new GrpcMessage(true, compressed, payload.ToArray(), context.Time.GetUtcNow());
                reader.AdvanceTo(frames.Position);
                _received.Add(message);
                _comparable.Add(playback.Redact is { } redact ? MessageMatch.Comparable(flow, message, redact) : null);
                flow.Grpc!.Add(message); // set by RunAsync
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw new GrpcFramingException($"the client's body ended {buffer.Length} bytes into a message");
                }

                _clientEnded = true;
                flow.Request.TimestampEnd = context.Time.GetUtcNow();
                return;
            }
        }
    }

    private async Task SendAsync(GrpcMessage recorded, CancellationToken cancellationToken)
    {
        var frame = new byte[GrpcFraming.PrefixLength + recorded.Content.Length];
        GrpcFraming.WritePrefix(frame, recorded.Compressed, recorded.Content.Length);
        recorded.Content.CopyTo(frame.AsSpan(GrpcFraming.PrefixLength));
        flow.Grpc!.Add(new GrpcMessage(false, recorded.Compressed, recorded.Content, context.Time.GetUtcNow())); // set by RunAsync
        _sent.Add((recorded.Compressed, recorded.Content));
        var body = features.Get<IHttpResponseBodyFeature>()!; // Kestrel always provides it
        await body.Writer.WriteAsync(frame, cancellationToken);
    }

    private bool WriteHead(HttpResponse response)
    {
        var target = features.Get<IHttpResponseFeature>()!; // Kestrel always provides it
        try
        {
            Http1Writer.CheckFields(response.Headers, "header"); // Kestrel writes values as Latin-1: nothing past it may reach it
            target.StatusCode = response.StatusCode;
            foreach (var field in response.Headers)
            {
                if (!field.Name.Equals("content-length", StringComparison.OrdinalIgnoreCase) && !field.Name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase))
                {
                    target.Headers[field.Name] = StringValues.Concat(target.Headers[field.Name], field.Value);
                }
            }

            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or UnsafeHeadException)
        {
            flow.Error = new FlowError($"unsafe response head: {e.Message}", context.Time.GetUtcNow());
            features.Get<IHttpResetFeature>()?.Reset(0x2); // INTERNAL_ERROR
            return false;
        }
    }

    /// <summary>The call's end: the recorded trailers (or, for a call with no messages, the recorded trailers-only head).</summary>
    private async Task EndAsync(HttpResponse response, HttpHeaders? trailers)
    {
        var target = features.Get<IHttpResponseFeature>()!; // Kestrel always provides it
        if (!target.HasStarted && _sent.Count == 0 && !WriteHead(response))
        {
            return;
        }

        response.Body = GrpcFraming.Join(_sent);
        response.Stream = true;
        response.Trailers = trailers;
        response.TimestampEnd = context.Time.GetUtcNow();
        flow.Response = response;
        if (trailers is { Count: > 0 } && features.Get<IHttpResponseTrailersFeature>() is { } trailersFeature)
        {
            try
            {
                foreach (var field in trailers)
                {
                    trailersFeature.Trailers[field.Name] = StringValues.Concat(trailersFeature.Trailers[field.Name], field.Value);
                }
            }
            catch (InvalidOperationException e)
            {
                flow.Error = new FlowError($"unsafe response trailer: {e.Message}", context.Time.GetUtcNow());
                features.Get<IHttpResetFeature>()?.Reset(0x2); // INTERNAL_ERROR
                return;
            }
        }

        KeepRequest();
        HookRan = true;
        if (await beforeEnd())
        {
            await features.Get<IHttpResponseBodyFeature>()!.CompleteAsync(); // Kestrel always provides it
        }
    }

    /// <summary>Ends the call with UNIMPLEMENTED and why: in the trailers once messages went out, as a trailers-only answer before.</summary>
    private async Task EndUnexpectedAsync(HttpResponse? committed, string why)
    {
        var message = $"MitmFixture server replay: {why}";
        flow.Error = new FlowError(message, context.Time.GetUtcNow());
        Failure = message; // logged by the caller after the hook (ExchangeHttp2Async)
        playback.Unmatched?.Invoke(why);
        var status = new HttpHeaders([("grpc-status", UnimplementedStatus), ("grpc-message", PercentEncode(message))]);
        if (committed is not null && features.Get<IHttpResponseFeature>()!.HasStarted) // Kestrel always provides it
        {
            await EndAsync(committed, status);
            return;
        }

        var answer = new HttpResponse { StatusCode = 200, Reason = "", HttpVersion = "HTTP/2.0", Headers = new HttpHeaders([("content-type", "application/grpc")]), TimestampStart = context.Time.GetUtcNow() };
        foreach (var field in status)
        {
            answer.Headers.Add(field.Name, field.Value);
        }

        WriteHead(answer);
        await EndAsync(answer, null);
    }

    /// <summary>grpc-message is percent-encoded UTF-8 (gRPC over HTTP/2): everything outside printable ASCII, and '%'.</summary>
    private static string PercentEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    /// <summary>One recorded call that may answer this one.</summary>
    /// <param name="recorded">The recorded call.</param>
    /// <param name="redacted">Whether live messages are compared as a recording holds them (redacted, decoded, placeholders by kind).</param>
    private sealed class Candidate(Flow recorded, bool redacted)
    {
        public Flow Flow { get; } = recorded;

        public IReadOnlyList<GrpcMessage> Messages { get; } = recorded.Grpc?.Messages ?? [];

        private List<GrpcMessage> ClientMessages => field ??= Messages.Where(m => m.FromClient).ToList();

        private List<byte[]?> ClientComparable => field ??= redacted ? ClientMessages.Select(m => MessageMatch.Comparable(Flow, m, redact: null)).ToList() : [];

        /// <summary>True when what the client sent so far is what this recording's client sent (and ended where it ended).</summary>
        public bool Agrees(List<GrpcMessage> received, List<byte[]?> comparable, bool clientEnded, bool matchAny)
        {
            var expected = ClientMessages;
            if (received.Count > expected.Count || (clientEnded && received.Count != expected.Count))
            {
                return false;
            }

            for (var i = 0; i < received.Count; i++)
            {
                if (!matchAny && !Same(i, received, comparable))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Client message <paramref name="i"/> is the recorded one: as a recording holds it when both can
        /// be told so (a secret replaced, compressed or not), else byte for byte with the same flag.
        /// </summary>
        private bool Same(int i, List<GrpcMessage> received, List<byte[]?> comparable) =>
            redacted && comparable[i] is { } live && ClientComparable[i] is { } expected
                ? live.AsSpan().SequenceEqual(expected)
                : received[i].Compressed == ClientMessages[i].Compressed && received[i].Content.AsSpan().SequenceEqual(ClientMessages[i].Content);

        /// <summary>What differs between the client's messages and this recording's, for the error.</summary>
        public string Explain(List<GrpcMessage> received, List<byte[]?> comparable, bool clientEnded)
        {
            var expected = ClientMessages;
            for (var i = 0; i < received.Count; i++)
            {
                if (i >= expected.Count)
                {
                    return $"the client sent message {i + 1} ({Show(received[i])}); the recording of {Flow.Request.PathOnly} has {expected.Count}";
                }

                if (!Same(i, received, comparable))
                {
                    return $"client message {i + 1} of {Flow.Request.PathOnly} is {Show(received[i])}; the recording expects {Show(expected[i])}{FirstDifference(received[i], expected[i])}";
                }
            }

            return clientEnded && received.Count < expected.Count
                ? $"the client ended after {received.Count} messages; the recording of {Flow.Request.PathOnly} has {expected.Count}"
                : $"no recording of {Flow.Request.PathOnly} matches";
        }

        /// <summary>
        /// The index of the recording's next message once <paramref name="received"/> client and
        /// <paramref name="sent"/> server messages are done; -1 at the call's end.
        /// </summary>
        public int Next(int received, int sent)
        {
            var (client, server) = (0, 0);
            for (var i = 0; i < Messages.Count; i++)
            {
                if (Messages[i].FromClient ? client++ < received : server++ < sent)
                {
                    continue;
                }

                return i;
            }

            return -1;
        }

        /// <summary>True when the recorded client had ended its side before message <paramref name="next"/> (or, for -1, before the call ended).</summary>
        public bool ClientEndedBefore(int next)
        {
            if (Flow.Request.TimestampEnd is not { } ended)
            {
                return false;
            }

            var then = next >= 0 ? Messages[next].Timestamp : Flow.Response?.TimestampEnd;
            return then is { } t && (next >= 0 ? ended < t : ended <= t);
        }

        /// <summary>
        /// A message by its size and kind, never its bytes: this text is the flow's error, the log's
        /// line and the test's failure, and a token in a message, as hex, is one no redactor recognises.
        /// </summary>
        private static string Show(GrpcMessage message) => $"{message.Content.Length} bytes{(message.Compressed ? ", compressed" : "")}";

        /// <summary>Where two messages of the same size and kind first differ, which is what tells them apart without showing either.</summary>
        private static string FirstDifference(GrpcMessage received, GrpcMessage expected) =>
            received.Compressed == expected.Compressed && received.Content.Length == expected.Content.Length
                ? $", first differing at byte {received.Content.AsSpan().CommonPrefixLength(expected.Content) + 1}"
                : "";
    }
}
