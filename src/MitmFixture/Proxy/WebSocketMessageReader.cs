using System.Buffers;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

internal enum WebSocketStepKind
{
    /// <summary>Every byte given was taken; more are needed.</summary>
    NeedMore,

    /// <summary>A control frame (close, ping, pong) arrived whole.</summary>
    Control,

    /// <summary>A data message is complete.</summary>
    Message,
}

/// <summary>What <see cref="WebSocketMessageReader.Read"/> stopped at.</summary>
internal readonly record struct WebSocketStep(WebSocketStepKind Kind, WebSocketFrame Control = default, WebSocketOpcode MessageType = default, SegmentedBody? Message = null);

/// <summary>
/// Reassembles one direction's messages from frames (RFC 6455 §5.4), taking each payload in pieces
/// as it arrives: a message is held once, never its frames as well. A single-frame message (what
/// browsers and most clients send) goes straight into an array of its announced size; a fragmented
/// one into <see cref="SegmentedBuffer"/>, whose segments the message keeps. With <c>stream_websockets</c> each piece is also
/// forwarded at once, re-masked with a key of our own. Issue 19: one 100 MiB message cost 665 MiB
/// when frames were parsed whole, copied into a growing buffer and written whole again.
/// </summary>
internal sealed class WebSocketMessageReader(bool fromClient, long maxMessage, IBufferWriter<byte>? forward) : IDisposable
{
    private const int ScratchSize = 16 * 1024;
    private WebSocketFrameHeader? _frame;
    private WebSocketFrameHeader _forwardedFrame;
    private long _frameRead;
    private WebSocketOpcode? _messageType;
    private long _messageLength;
    private byte[]? _whole;
    private SegmentedBuffer? _fragments;
    private byte[]? _scratch;

    /// <summary>
    /// Takes bytes from <paramref name="buffer"/> up to the next complete control frame or message,
    /// or all of them. <paramref name="consumed"/> is where it stopped. Protocol violations and
    /// messages over the limit throw <see cref="WebSocketProtocolException"/> (1002, 1009) before
    /// their payload is read.
    /// </summary>
    public WebSocketStep Read(ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        var step = ReadCore(ref reader);
        consumed = reader.Position;
        return step;
    }

    public void Dispose()
    {
        _fragments?.Dispose();
        if (_scratch is not null)
        {
            ArrayPool<byte>.Shared.Return(_scratch);
            _scratch = null;
        }
    }

    private WebSocketStep ReadCore(ref SequenceReader<byte> reader)
    {
        while (true)
        {
            if (_frame is not { } frame)
            {
                var start = reader.Position;
                if (!WebSocketFrameHeader.TryParse(ref reader, fromClient, maxMessage, out var header))
                {
                    return new WebSocketStep(WebSocketStepKind.NeedMore);
                }

                if (header.IsControl)
                {
                    // At most 125 bytes: taken whole, and allowed between a message's fragments (§5.4).
                    if (reader.Remaining < header.Length)
                    {
                        WebSocketFrame.Rewind(ref reader, start);
                        return new WebSocketStep(WebSocketStepKind.NeedMore);
                    }

                    var payload = new byte[header.Length];
                    reader.UnreadSequence.Slice(0, header.Length).CopyTo(payload);
                    reader.Advance(header.Length);
                    header.Unmask(payload, 0);
                    if (header.Opcode == WebSocketOpcode.Close)
                    {
                        WebSocketClose.Check(payload); // a code no endpoint may send is neither relayed nor recorded
                    }

                    return new WebSocketStep(WebSocketStepKind.Control, new WebSocketFrame(true, header.Opcode, payload));
                }

                StartFrame(header);
                continue;
            }

            var take = Math.Min(frame.Length - _frameRead, reader.Remaining);
            if (take == 0 && _frameRead < frame.Length)
            {
                return new WebSocketStep(WebSocketStepKind.NeedMore);
            }

            foreach (var piece in reader.UnreadSequence.Slice(0, take))
            {
                Take(frame, piece.Span);
            }

            reader.Advance(take);
            if (_frameRead < frame.Length)
            {
                continue;
            }

            _frame = null;
            if (frame.Fin)
            {
                var type = _messageType!.Value; // set by StartFrame for every data frame
                return new WebSocketStep(WebSocketStepKind.Message, MessageType: type, Message: FinishMessage());
            }
        }
    }

    private void StartFrame(WebSocketFrameHeader header)
    {
        if (header.Opcode == WebSocketOpcode.Continuation)
        {
            if (_messageType is null)
            {
                throw new WebSocketProtocolException(1002, "continuation frame without a message to continue");
            }
        }
        else if (_messageType is not null)
        {
            throw new WebSocketProtocolException(1002, "new message started inside a fragmented one");
        }

        // The header announces the size: a message that cannot fit is refused before its bytes are read.
        if (_messageLength + header.Length > Math.Min(maxMessage, Array.MaxLength))
        {
            throw new WebSocketProtocolException(1009, $"message exceeds the {maxMessage}-byte limit");
        }

        if (header.Opcode != WebSocketOpcode.Continuation)
        {
            _messageType = header.Opcode;
            if (header.Fin)
            {
                _whole = GC.AllocateUninitializedArray<byte>((int)header.Length);
            }
            else
            {
                _fragments = new SegmentedBuffer();
            }
        }

        _messageLength += header.Length;
        _frame = header;
        _frameRead = 0;
        if (forward is not null)
        {
            _forwardedFrame = WebSocketFrameHeader.Create(header.Fin, header.Opcode, header.Length, mask: fromClient);
            _forwardedFrame.Write(forward);
        }
    }

    /// <summary>Unmasks payload bytes into the message and forwards them when streaming.</summary>
    private void Take(WebSocketFrameHeader frame, ReadOnlySpan<byte> piece)
    {
        while (!piece.IsEmpty)
        {
            Span<byte> target;
            if (_whole is not null)
            {
                target = _whole.AsSpan((int)_frameRead, piece.Length); // a single-frame message: the frame is the message
            }
            else
            {
                _scratch ??= ArrayPool<byte>.Shared.Rent(ScratchSize);
                target = _scratch.AsSpan(0, Math.Min(piece.Length, ScratchSize));
            }

            piece[..target.Length].CopyTo(target);
            frame.Unmask(target, _frameRead);
            _fragments?.Write(target);
            if (forward is not null)
            {
                _forwardedFrame.WritePayload(forward, target, _frameRead);
            }

            _frameRead += target.Length;
            piece = piece[target.Length..];
        }
    }

    private SegmentedBody FinishMessage()
    {
        // A fragmented message keeps its segments (joined once, into an exact array, only while small).
        var content = _whole is not null ? new SegmentedBody([_whole], _whole.Length) : _fragments!.Detach(); // one of the two is set by StartFrame
        _fragments?.Dispose();
        _fragments = null;
        _whole = null;
        _messageType = null;
        _messageLength = 0;
        return content;
    }
}
