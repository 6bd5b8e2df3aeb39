using System.Buffers;
using System.Globalization;
using System.Text;

namespace MitmFixture.Http;

/// <summary>Serialises message heads and chunk framing into a buffer writer; never does I/O.</summary>
internal static class Http1Writer
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static void WriteRequestHead(IBufferWriter<byte> output, HttpRequest request, string target, HttpHeaders headers)
    {
        Write(output, request.Method);
        Write(output, " "u8);
        Write(output, target);
        Write(output, " "u8);
        Write(output, request.HttpVersion);
        Write(output, "\r\n"u8);
        WriteHeaders(output, headers);
    }

    public static void WriteResponseHead(IBufferWriter<byte> output, string httpVersion, int statusCode, string reason, HttpHeaders headers)
    {
        Write(output, httpVersion);
        Write(output, " "u8);
        var span = output.GetSpan(3);
        statusCode.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
        Write(output, " "u8);
        Write(output, reason);
        Write(output, "\r\n"u8);
        WriteHeaders(output, headers);
    }

    public static void WriteHeaders(IBufferWriter<byte> output, HttpHeaders headers)
    {
        foreach (var field in headers)
        {
            Write(output, field.Name);
            Write(output, ": "u8);
            Write(output, field.Value);
            Write(output, "\r\n"u8);
        }

        Write(output, "\r\n"u8);
    }

    public static void WriteChunk(IBufferWriter<byte> output, ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        WriteChunkHeader(output, data.Length);
        foreach (var segment in data)
        {
            Write(output, segment.Span);
        }

        Write(output, "\r\n"u8);
    }

    public static void WriteChunk(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        WriteChunkHeader(output, data.Length);
        Write(output, data);
        Write(output, "\r\n"u8);
    }

    public static void WriteLastChunk(IBufferWriter<byte> output, HttpHeaders? trailers)
    {
        trailers = TrailerFields.Sanitize(trailers); // an addon or a cassette may have put framing fields there
        Write(output, "0\r\n"u8);
        if (trailers is null)
        {
            Write(output, "\r\n"u8);
        }
        else
        {
            WriteHeaders(output, trailers);
        }
    }

    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(bytes.Length, 4096));
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            output.Advance(n);
            bytes = bytes[n..];
        }
    }

    public static void Write(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Latin1.GetBytes(text, span);
        output.Advance(written);
    }

    private static void WriteChunkHeader(IBufferWriter<byte> output, long length)
    {
        var span = output.GetSpan(18);
        length.TryFormat(span, out var written, "x", CultureInfo.InvariantCulture);
        output.Advance(written);
        Write(output, "\r\n"u8);
    }
}
