using System.Buffers;
using System.Globalization;
using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// Serialises message heads and chunk framing into a buffer writer; never does I/O. A head whose
/// start line or fields would carry CR, LF or NUL (an addon's edit, a console edit, a cassette) is
/// refused whole with an <see cref="UnsafeHeadException"/> before a byte is written: those are the
/// characters of header injection and response splitting (RFC 9112 §11.1), and the parser that
/// guards the way in cannot guard what code puts in a message afterwards.
/// </summary>
internal static class Http1Writer
{
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static void WriteRequestHead(IBufferWriter<byte> output, HttpRequest request, string target, HttpHeaders headers)
    {
        CheckStartLinePart("method", request.Method, token: true);
        CheckStartLinePart("request target", target, token: false);
        CheckStartLinePart("HTTP version", request.HttpVersion, token: false);
        CheckFields(headers, "header");
        Write(output, request.Method);
        Write(output, " "u8);
        Write(output, target);
        Write(output, " "u8);
        Write(output, request.HttpVersion.StartsWith("HTTP/1.", StringComparison.Ordinal) ? request.HttpVersion : "HTTP/1.1"); // an HTTP/2 request sent over HTTP/1.1 (translation, client replay)
        Write(output, "\r\n"u8);
        WriteHeaders(output, headers);
    }

    public static void WriteResponseHead(IBufferWriter<byte> output, string httpVersion, int statusCode, string reason, HttpHeaders headers)
    {
        CheckStartLinePart("HTTP version", httpVersion, token: false);
        if (statusCode is < 100 or > 999)
        {
            throw new UnsafeHeadException($"refused to send status code {statusCode}: a status line holds three digits");
        }

        if (HttpSyntax.IndexOfUnsendable(reason) is var bad and >= 0)
        {
            throw new UnsafeHeadException($"refused to send the reason phrase: it has {HttpSyntax.Describe(reason[bad])} at offset {bad}");
        }

        CheckFields(headers, "header");
        if (!httpVersion.StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            // An HTTP/2 response (recorded, or from a server spoken to over h2) goes to an HTTP/1.1
            // client as HTTP/1.1, with the reason phrase h2 does not carry (mitmproxy's Http1Server does the same).
            httpVersion = "HTTP/1.1";
            reason = reason.Length == 0 ? ReasonPhrases.For(statusCode) : reason;
        }

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

    /// <summary>Refuses fields that are not safe to write, before anything is written (trailers are checked ahead of the head they follow).</summary>
    /// <exception cref="UnsafeHeadException">A name that is not a token, or a value with CR, LF, NUL or a character past U+00FF.</exception>
    public static void CheckFields(HttpHeaders? fields, string kind)
    {
        if (fields is null)
        {
            return;
        }

        foreach (var field in fields)
        {
            if (HttpSyntax.Token(field.Name) is { } problem)
            {
                throw new UnsafeHeadException($"refused to send the {kind} name '{Printable(field.Name)}': it {problem}");
            }

            if (HttpSyntax.IndexOfUnsendable(field.Value) is var bad and >= 0)
            {
                throw new UnsafeHeadException($"refused to send the {kind} '{field.Name}': its value has {HttpSyntax.Describe(field.Value[bad])} at offset {bad}");
            }
        }
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
        CheckFields(trailers, "trailer");
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

    private static void CheckStartLinePart(string what, string value, bool token)
    {
        var problem = token ? HttpSyntax.Token(value) : HttpSyntax.Atom(value) ?? HttpSyntax.Bytes(value);
        if (problem is not null)
        {
            throw new UnsafeHeadException($"refused to send the {what} '{Printable(value)}': it {problem}");
        }
    }

    /// <summary>A value for an error message: control characters shown as \xNN, so the message stays one line.</summary>
    private static string Printable(string value) =>
        string.Concat(value.Take(80).Select(c => c < 0x20 || c == 0x7F ? $"\\x{(int)c:x2}" : c.ToString()));

    private static void WriteChunkHeader(IBufferWriter<byte> output, long length)
    {
        var span = output.GetSpan(18);
        length.TryFormat(span, out var written, "x", CultureInfo.InvariantCulture);
        output.Advance(written);
        Write(output, "\r\n"u8);
    }
}
