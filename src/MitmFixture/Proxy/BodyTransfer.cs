using System.Buffers;
using System.IO.Pipelines;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// A body read into memory, or the first part of one that outgrew the limit and must be streamed on:
/// one array (a length-delimited body, read whole) or the segments it arrived in.
/// </summary>
internal readonly record struct BufferedBody(byte[]? Whole, SegmentedBody? Segments, bool Complete, HttpHeaders? Trailers)
{
    public BufferedBody(SegmentedBody segments, bool complete, HttpHeaders? trailers)
        : this(null, segments, complete, trailers)
    {
    }

    /// <summary>Makes the bytes <paramref name="message"/>'s body, without copying them.</summary>
    public void StoreIn(HttpMessage message)
    {
        if (Whole is not null)
        {
            message.Body = Whole;
        }
        else
        {
            message.SetReceivedBody(Segments!); // one of the two is always set
        }
    }

    public byte[] ToArray() => Whole ?? Segments!.ToArray();
}

/// <summary>Moves message bodies between pipes: whole into memory, or streamed with constant memory.</summary>
internal static class BodyTransfer
{
    /// <summary>
    /// Reads a body into memory. Stops early, returning what it has with <c>Complete = false</c>, once
    /// more than <paramref name="limit"/> bytes arrived; the caller then streams the rest.
    /// </summary>
    public static async ValueTask<BufferedBody> ReadAsync(PipeReader reader, BodyFraming framing, ChunkedDecoder? decoder, long limit, BodyReadClock clock)
    {
        switch (framing.Kind)
        {
            case BodyKind.None:
                return new BufferedBody([], null, true, null);

            case BodyKind.Length:
                var exact = await ReadExactAsync(reader, framing.Length, clock);
                return new BufferedBody(exact, null, true, null); // no segment list for the usual small body

            case BodyKind.Chunked:
                return await ReadChunkedAsync(reader, decoder!, limit, clock);

            default:
                return await ReadToEndAsync(reader, limit, clock);
        }
    }

    /// <summary>
    /// Streams the rest of a body from <paramref name="source"/> to <paramref name="destination"/>,
    /// re-framing it as chunked when <paramref name="destinationChunked"/>, raw otherwise.
    /// </summary>
    /// <param name="remaining">For length-delimited bodies, the bytes still to come.</param>
    /// <param name="flush">Flushes the destination, under whatever deadline applies to it.</param>
    /// <param name="lateTrailers">Trailers that come from elsewhere once the body has ended (an HTTP/2 server's), for a source without chunked framing.</param>
    /// <param name="keepTrailersOn">
    /// The message the trailers are stored on before they are written on: whoever holds the flow sees
    /// them no later than the receiving side does (a test asserting on the flow once its client has the
    /// answer, for one).
    /// </param>
    /// <param name="beforeEnd">
    /// Runs once the whole body is read and before its end reaches the destination (the last bytes of
    /// a length-delimited body, the last chunk of a chunked one), as mitmproxy runs a streamed
    /// response's hook before its end of message: whoever waits for the end finds the hook done. False
    /// keeps the end back (a killed flow).
    /// </param>
    /// <returns>The chunked trailers, if the source had any.</returns>
    public static async ValueTask<HttpHeaders?> StreamAsync(
        PipeReader source,
        BodyFraming framing,
        ChunkedDecoder? decoder,
        long remaining,
        PipeWriter destination,
        bool destinationChunked,
        BodyReadClock clock,
        Func<PipeWriter, ValueTask<FlushResult>> flush,
        Func<HttpHeaders?>? lateTrailers = null,
        HttpMessage? keepTrailersOn = null,
        Func<ValueTask<bool>>? beforeEnd = null)
    {
        HttpHeaders? trailers = null;
        var held = ReadOnlySequence<byte>.Empty; // a length-delimited body's last bytes, read but not yet sent (beforeEnd)
        switch (framing.Kind)
        {
            case BodyKind.Length:
                while (remaining > 0)
                {
                    var result = await source.ReadAsync(clock.Arm());
                    var buffer = result.Buffer;
                    var take = Math.Min(buffer.Length, remaining);
                    clock.Received(take);
                    if (take == remaining && take > 0 && beforeEnd is not null)
                    {
                        held = buffer.Slice(0, take); // the source is advanced past it once it is sent
                        break;
                    }

                    Write(destination, buffer.Slice(0, take), destinationChunked);
                    source.AdvanceTo(buffer.GetPosition(take));
                    remaining -= take;
                    if (remaining > 0 && result.IsCompleted)
                    {
                        ThrowHelper.Protocol(RejectionReason.TruncatedBody, $"connection closed with {remaining} body bytes missing");
                    }

                    await FlushAsync(destination, flush);
                }

                break;

            case BodyKind.Chunked:
                while (!decoder!.IsDone)
                {
                    var result = await source.ReadAsync(clock.Arm());
                    var reader = new SequenceReader<byte>(result.Buffer);
                    while (decoder.TryDecode(ref reader, out var data) && !decoder.IsDone)
                    {
                        Write(destination, data, destinationChunked);
                    }

                    // Once done, only what the body used counts as examined: bytes after it must stay visible (ClientSession.Surplus.cs).
                    clock.Received(reader.Consumed);
                    source.AdvanceTo(reader.Position, decoder.IsDone ? reader.Position : result.Buffer.End);
                    if (!decoder.IsDone && result.IsCompleted)
                    {
                        ThrowHelper.Protocol(RejectionReason.TruncatedBody, "connection closed inside a chunked body");
                    }

                    await FlushAsync(destination, flush);
                }

                trailers = decoder.Trailers;
                break;

            case BodyKind.UntilClose:
                while (true)
                {
                    var result = await source.ReadAsync(clock.Arm());
                    clock.Received(result.Buffer.Length);
                    Write(destination, result.Buffer, destinationChunked);
                    source.AdvanceTo(result.Buffer.End);
                    await FlushAsync(destination, flush);
                    if (result.IsCompleted)
                    {
                        break;
                    }
                }

                break;
        }

        trailers ??= lateTrailers?.Invoke();
        if (keepTrailersOn is not null)
        {
            keepTrailersOn.Trailers = trailers;
        }

        var deliverEnd = beforeEnd is null || await beforeEnd();
        if (!held.IsEmpty)
        {
            if (deliverEnd)
            {
                Write(destination, held, destinationChunked);
            }

            source.AdvanceTo(held.End);
        }

        if (!deliverEnd)
        {
            return trailers;
        }

        if (destinationChunked)
        {
            Http1Writer.WriteLastChunk(destination, trailers);
        }

        if (destinationChunked || !held.IsEmpty)
        {
            await FlushAsync(destination, flush);
        }

        return trailers;
    }

    /// <summary>Reads and drops a body, keeping the connection in step (a request answered without its body).</summary>
    public static async ValueTask DiscardAsync(PipeReader reader, BodyFraming framing, ChunkedDecoder? decoder, BodyReadClock clock)
    {
        _ = await StreamAsync(reader, framing, decoder, framing.Length, NullPipeWriter.Instance, false, clock, static w => w.FlushAsync());
    }

    public static void Write(PipeWriter destination, ReadOnlySequence<byte> data, bool chunked)
    {
        if (chunked)
        {
            Http1Writer.WriteChunk(destination, data);
            return;
        }

        foreach (var segment in data)
        {
            destination.Write(segment.Span);
        }
    }

    private static async ValueTask FlushAsync(PipeWriter destination, Func<PipeWriter, ValueTask<FlushResult>> flush)
    {
        var result = await flush(destination);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("the receiving side closed the connection");
        }
    }

    private static async ValueTask<byte[]> ReadExactAsync(PipeReader reader, long length, BodyReadClock clock)
    {
        var body = new byte[length];
        long filled = 0;
        while (filled < length)
        {
            var result = await reader.ReadAsync(clock.Arm());
            var buffer = result.Buffer;
            var take = Math.Min(buffer.Length, length - filled);
            clock.Received(take);
            buffer.Slice(0, take).CopyTo(body.AsSpan((int)filled));
            filled += take;
            reader.AdvanceTo(buffer.GetPosition(take));
            if (filled < length && result.IsCompleted)
            {
                ThrowHelper.Protocol(RejectionReason.TruncatedBody, $"connection closed with {length - filled} of {length} body bytes missing");
            }
        }

        return body;
    }

    private static async ValueTask<BufferedBody> ReadChunkedAsync(PipeReader pipe, ChunkedDecoder decoder, long limit, BodyReadClock clock)
    {
        using var output = new SegmentedBuffer();
        while (true)
        {
            var result = await pipe.ReadAsync(clock.Arm());
            var reader = new SequenceReader<byte>(result.Buffer);
            while (decoder.TryDecode(ref reader, out var data) && !decoder.IsDone)
            {
                output.Write(data);
                if (output.Length + decoder.ChunkRemaining > limit)
                {
                    break;
                }
            }

            // A chunk's size line says how much is coming: one that cannot fit is refused (or
            // streamed) now, not after the proxy has buffered up to the limit.
            if (!decoder.IsDone && output.Length + decoder.ChunkRemaining > limit)
            {
                clock.Received(reader.Consumed);
                pipe.AdvanceTo(reader.Position);
                return new BufferedBody(output.Detach(), false, null);
            }

            clock.Received(reader.Consumed);
            pipe.AdvanceTo(reader.Position, decoder.IsDone ? reader.Position : result.Buffer.End);
            if (decoder.IsDone)
            {
                return new BufferedBody(output.Detach(), true, decoder.Trailers);
            }

            if (result.IsCompleted)
            {
                ThrowHelper.Protocol(RejectionReason.TruncatedBody, "connection closed inside a chunked body");
            }
        }
    }

    private static async ValueTask<BufferedBody> ReadToEndAsync(PipeReader pipe, long limit, BodyReadClock clock)
    {
        using var output = new SegmentedBuffer();
        while (true)
        {
            var result = await pipe.ReadAsync(clock.Arm());
            clock.Received(result.Buffer.Length);
            output.Write(result.Buffer);
            pipe.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return new BufferedBody(output.Detach(), true, null);
            }

            if (output.Length > limit)
            {
                return new BufferedBody(output.Detach(), false, null);
            }
        }
    }
}
