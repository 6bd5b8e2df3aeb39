using System.Buffers;
using System.IO.Pipelines;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// One direction of a streamed HTTP/2 body: read from one side and written to the other as it
/// arrives, flushed each time, so a bidirectional call's answer can come back before the request
/// ends. A gRPC body (<see cref="GrpcFraming.IsGrpc"/>) goes message by message: each
/// length-prefixed message is taken whole, added to the flow's <see cref="GrpcData"/> and then
/// forwarded, so the recorded order is the causal one (a server's answer is always recorded after
/// the message it answers). Any other body goes chunk by chunk.
/// <para>
/// What passes is kept on the flow up to <c>body_size_limit</c> (<see cref="HttpLimits.MaxBufferedBodyBytes"/>);
/// past it nothing more is kept and the flow's metadata says so (<c>request_body_cut</c> /
/// <c>response_body_cut</c>): a plain body is then not kept at all (recorded as streamed), a gRPC
/// call keeps its messages up to the limit. A single gRPC message over the limit cannot be taken
/// whole and fails the stream (<see cref="GrpcFramingException"/>). A body that ends inside a gRPC
/// message is forwarded as it came and noted (<c>request_grpc_incomplete</c> / <c>response_grpc_incomplete</c>).
/// </para>
/// </summary>
internal sealed class Http2BodyRelay
{
    private const int ChunkSize = 16 * 1024;

    private static readonly Lock MetadataGate = new(); // both directions of a flow may note at once

    private readonly Flow _flow;
    private readonly HttpMessage _message;
    private readonly bool _fromClient;
    private readonly bool _grpc;
    private readonly long _limit;
    private readonly TimeProvider _time;
    private readonly List<(bool Compressed, byte[] Content)> _keptMessages = [];
    private ArrayBufferWriter<byte>? _keptBytes = new();
    private long _kept;
    private bool _cut;

    public Http2BodyRelay(Flow flow, bool fromClient, long limit, TimeProvider time)
    {
        _flow = flow;
        _fromClient = fromClient;
        _message = fromClient ? flow.Request : flow.Response!; // a response relay starts once the head is in
        _grpc = GrpcFraming.IsGrpc(flow.Request.ContentType);
        _limit = limit;
        _time = time;
        if (_grpc)
        {
            flow.Grpc ??= new GrpcData();
        }
    }

    private string Side => _fromClient ? "request" : "response";

    /// <summary>
    /// Relays <paramref name="source"/> to <paramref name="sink"/> after <paramref name="prefix"/> (bytes already read while
    /// the body was being buffered), then sets the message's kept body and end time.
    /// </summary>
    /// <param name="readTimeout">How long one read may wait for the sender (a server's body); null waits as long as the exchange lives.</param>
    public async Task RunAsync(Stream source, Stream sink, byte[] prefix, TimeSpan? readTimeout, CancellationToken cancellationToken)
    {
        try
        {
            if (_grpc)
            {
                await RelayMessagesAsync(source, sink, cancellationToken);
            }
            else
            {
                await RelayChunksAsync(source, sink, prefix, readTimeout, cancellationToken);
            }
        }
        finally
        {
            Finish();
        }
    }

    private async Task RelayMessagesAsync(Stream source, Stream sink, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(source, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var consumed = ForwardWholeMessages(buffer, out var frames);
                reader.AdvanceTo(consumed, buffer.End);
                foreach (var frame in frames)
                {
                    await sink.WriteAsync(frame, cancellationToken);
                    await sink.FlushAsync(cancellationToken);
                }

                if (result.IsCompleted)
                {
                    var rest = buffer.Slice(consumed);
                    if (!rest.IsEmpty)
                    {
                        // The sender ended inside a message; what came is passed on untouched, as a plain proxy would.
                        Note("grpc_incomplete", $"the {Side} body ended {rest.Length} bytes into a gRPC message; those bytes were forwarded but are not a message");
                        await sink.WriteAsync(rest.ToArray(), cancellationToken);
                        await sink.FlushAsync(cancellationToken);
                    }

                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>Takes the whole messages in <paramref name="buffer"/>: each is recorded, and its frame returned for sending.</summary>
    private SequencePosition ForwardWholeMessages(ReadOnlySequence<byte> buffer, out List<byte[]> frames)
    {
        frames = [];
        var reader = new SequenceReader<byte>(buffer);
        while (GrpcFraming.TryRead(ref reader, _limit, out var compressed, out var payload))
        {
            var frame = new byte[GrpcFraming.PrefixLength + payload.Length];
            GrpcFraming.WritePrefix(frame, compressed, (int)payload.Length);
            payload.CopyTo(frame.AsSpan(GrpcFraming.PrefixLength));
            var content = frame.AsSpan(GrpcFraming.PrefixLength).ToArray();
            if (Keep(frame.Length))
            {
                _keptMessages.Add((compressed, content));
                _flow.Grpc!.Add(new GrpcMessage(_fromClient, compressed, content, _time.GetUtcNow())); // set in the constructor
            }

            frames.Add(frame);
        }

        return reader.Position;
    }

    private async Task RelayChunksAsync(Stream source, Stream sink, byte[] prefix, TimeSpan? readTimeout, CancellationToken cancellationToken)
    {
        if (prefix.Length > 0)
        {
            KeepBytes(prefix);
            await sink.WriteAsync(prefix, cancellationToken);
            await sink.FlushAsync(cancellationToken);
        }

        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (true)
            {
                var pending = source.ReadAsync(chunk.AsMemory(0, ChunkSize), cancellationToken).AsTask();
                var read = readTimeout is { } timeout ? await pending.WaitAsync(timeout, _time, cancellationToken) : await pending;
                if (read == 0)
                {
                    return;
                }

                KeepBytes(chunk.AsSpan(0, read));
                await sink.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
                await sink.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private void KeepBytes(ReadOnlySpan<byte> bytes)
    {
        if (Keep(bytes.Length))
        {
            _keptBytes!.Write(bytes); // set until the first cut, and Keep is false from then on
        }
    }

    /// <summary>True while <paramref name="length"/> more bytes fit under the limit; the first time they do not, the cut is noted.</summary>
    private bool Keep(long length)
    {
        if (_cut)
        {
            return false;
        }

        if (_kept + length <= _limit)
        {
            _kept += length;
            return true;
        }

        _cut = true;
        _keptBytes = null;
        Note("body_cut", _grpc
            ? $"the streamed {Side} passed body_size_limit ({_limit} bytes); only the gRPC messages before that point were kept"
            : $"the streamed {Side} body passed body_size_limit ({_limit} bytes); it was forwarded whole but not kept");
        return false;
    }

    /// <summary>Notes <paramref name="text"/> on the flow as <c>request_</c>/<c>response_</c> + <paramref name="what"/>.</summary>
    private void Note(string what, string text)
    {
        lock (MetadataGate)
        {
            _flow.Metadata[$"{Side}_{what}"] = text;
        }
    }

    private void Finish()
    {
        _message.Stream = true;
        _message.TimestampEnd = _time.GetUtcNow();
        _message.Body = _grpc
            ? _cut ? null : GrpcFraming.Join(_keptMessages)
            : _keptBytes?.WrittenSpan.ToArray();
    }
}
