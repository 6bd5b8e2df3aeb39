using System.Buffers;
using MitmFixture.Internal;

namespace MitmFixture.Http;

/// <summary>
/// A sans-IO decoder for the chunked transfer coding (RFC 9112 §7.1). Each call hands back at most
/// one slice of body data; trailers are collected once the last chunk is seen.
/// </summary>
internal sealed class ChunkedDecoder
{
    private const int MaxSizeLineBytes = 4096;
    private readonly HttpLimits _limits;
    private State _state = State.Size;
    private long _remaining;

    public ChunkedDecoder(HttpLimits limits) => _limits = limits;

    private enum State
    {
        Size,
        Data,
        DataEnd,
        Trailers,
        Done,
    }

    public bool IsDone => _state == State.Done;

    /// <summary>Bytes of the current chunk still to come, known from its size line before they arrive.</summary>
    public long ChunkRemaining => _state == State.Data ? _remaining : 0;

    public HttpHeaders? Trailers { get; private set; }

    /// <summary>
    /// Decodes from <paramref name="reader"/>. Returns true with <paramref name="data"/> set when body
    /// bytes are available, true with empty data when the body is complete, false when more input is needed.
    /// </summary>
    public bool TryDecode(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> data)
    {
        data = default;
        while (true)
        {
            switch (_state)
            {
                case State.Size:
                    if (!TryReadSizeLine(ref reader))
                    {
                        return false;
                    }

                    break;

                case State.Data:
                    if (reader.Remaining == 0)
                    {
                        return false;
                    }

                    var take = Math.Min(_remaining, reader.Remaining);
                    data = reader.UnreadSequence.Slice(0, take);
                    reader.Advance(take);
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    return true;

                case State.DataEnd:
                    if (reader.Remaining < 2)
                    {
                        return false;
                    }

                    if (!reader.IsNext("\r\n"u8, advancePast: true))
                    {
                        ThrowHelper.Protocol(RejectionReason.InvalidChunk, "chunk data not followed by CRLF");
                    }

                    _state = State.Size;
                    break;

                case State.Trailers:
                    var trailers = new HttpHeaders();
                    var start = reader;
                    if (!Http1Parser.TryParseHeaders(ref reader, strict: true, _limits, trailers))
                    {
                        if (start.Remaining > _limits.MaxHeadBytes)
                        {
                            ThrowHelper.Protocol(RejectionReason.HeadersTooLarge, "chunked trailers too large");
                        }

                        reader = start;
                        return false;
                    }

                    Trailers = TrailerFields.Sanitize(trailers);
                    _state = State.Done;
                    return true;

                case State.Done:
                    return true;
            }
        }
    }

    private bool TryReadSizeLine(ref SequenceReader<byte> reader)
    {
                if (!reader.TryReadTo(out ReadOnlySpan<byte> line, (byte)'\n'))
        {
            if (reader.Remaining > MaxSizeLineBytes)
            {
                ThrowHelper.Protocol(RejectionReason.InvalidChunk, "chunk size line too long");
            }

            return false;
        }

        if (line.Length == 0 || line[^1] != (byte)'\r')
        {
            ThrowHelper.Protocol(RejectionReason.InvalidChunk, "chunk size line not ended by CRLF");
        }

        line = line[..^1];
        var extension = line.IndexOf((byte)';');
        var sizeText = (extension < 0 ? line : line[..extension]).TrimEnd(" \t"u8);
        if (sizeText.Length is 0 or > 15)
        {
            ThrowHelper.Protocol(RejectionReason.InvalidChunk, "invalid chunk size");
        }

        long size = 0;
        foreach (var b in sizeText)
        {
            var digit = HexValue(b);
            if (digit < 0)
            {
                ThrowHelper.Protocol(RejectionReason.InvalidChunk, "invalid chunk size");
            }

            size = (size << 4) | (uint)digit;
        }

        if (extension >= 0)
        {
            foreach (var b in line[(extension + 1)..])
            {
                if (b < 0x20 && b != (byte)'\t')
                {
                    ThrowHelper.Protocol(RejectionReason.InvalidChunk, "invalid chunk extension");
                }
            }
        }

        if (size == 0)
        {
            _state = State.Trailers;
        }
        else
        {
            _remaining = size;
            _state = State.Data;
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
