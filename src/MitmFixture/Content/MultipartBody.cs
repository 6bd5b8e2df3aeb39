using System.Text;
using System.Text.Unicode;
using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// The one multipart reader (RFC 2046 §5.1.1, RFC 7578), used by the multipart view and by
/// replay matching, so a body is split into the same parts whether it is shown or matched.
/// Tolerant, as a view must be and as matching can afford to be (both sides are read the same
/// way): LF-only line ends, a missing close delimiter, a part without headers.
/// </summary>
internal static class MultipartBody
{
    public sealed record Part(HttpHeaders Headers, byte[] Content)
    {
        /// <summary>Where <see cref="Content"/> starts in the body it was read from, so a field can be replaced where it stands.</summary>
        public int ContentOffset { get; init; }

        /// <summary>Content-Disposition has Content-Type's parameter syntax (RFC 6266 §4.1), so one parser serves both.</summary>
        private ContentTypeHeader Disposition => ContentTypeHeader.Parse(Headers.Get("Content-Disposition"));

        public string? Name => Disposition.Parameters.GetValueOrDefault("name");

        public string? FileName => Disposition.Parameters.GetValueOrDefault("filename");

        public ContentTypeHeader ContentType => ContentTypeHeader.Parse(Headers.Get("Content-Type"));
    }

    /// <summary>
    /// The parts of a multipart body; false when the type is not multipart, names no boundary
    /// (quoted or not: the one Content-Type parser reads it), or the boundary never delimits.
    /// </summary>
    public static bool TryParse(byte[] body, ContentTypeHeader contentType, out List<Part> parts)
    {
        parts = [];
        if (!MediaType.IsMultipart(contentType) || string.IsNullOrEmpty(contentType.Boundary))
        {
            return false;
        }

        var delimiter = Encoding.Latin1.GetBytes("--" + contentType.Boundary);
        var span = body.AsSpan();
        var at = NextDelimiter(span, 0, delimiter);
        if (at < 0)
        {
            return false;
        }

        while (at >= 0)
        {
            var afterDelimiter = at + delimiter.Length;
            if (span[afterDelimiter..].StartsWith("--"u8))
            {
                break; // the close delimiter
            }

            var start = afterDelimiter + LineEnd(span[afterDelimiter..]); // transport padding, then the line end
            var next = NextDelimiter(span, start, delimiter);
            var section = next < 0 ? span[start..] : span[start..next];
            parts.Add(ReadPart(TrimFinalLineEnd(section), start));
            at = next;
        }

        return true;
    }

    /// <summary>
    /// The next "--boundary" at the start of a line and followed by "--", a line end, padding or
    /// the end of the body (RFC 2046 §5.1.1): the same bytes inside content, or a longer boundary
    /// that starts with this one, are not delimiters.
    /// </summary>
    private static int NextDelimiter(ReadOnlySpan<byte> body, int from, ReadOnlySpan<byte> delimiter)
    {
        while (from <= body.Length)
        {
            var found = body[from..].IndexOf(delimiter);
            if (found < 0)
            {
                return -1;
            }

            var at = from + found;
            var after = body[(at + delimiter.Length)..];
            var padded = after.TrimStart(" \t"u8);
            if ((at == 0 || body[at - 1] == '\n') && (after.StartsWith("--"u8) || padded.IsEmpty || padded[0] is (byte)'\r' or (byte)'\n'))
            {
                return at;
            }

            from = at + 1;
        }

        return -1;
    }

    private static Part ReadPart(ReadOnlySpan<byte> section, int start)
    {
        var crlf = section.IndexOf("\r\n\r\n"u8);
        var lf = section.IndexOf("\n\n"u8);
        var (headEnd, separator) = crlf >= 0 && (lf < 0 || crlf < lf) ? (crlf, 4) : (lf, 2);
        if (section.StartsWith("\r\n"u8) || section.StartsWith("\n"u8))
        {
            // A blank first line: no headers, the rest is content (RFC 2046 §5.1.1 allows a part without headers).
            var blank = section[0] == '\r' ? 2 : 1;
            return new Part(new HttpHeaders(), section[blank..].ToArray()) { ContentOffset = start + blank };
        }

        if (headEnd < 0)
        {
            return new Part(new HttpHeaders(), section.ToArray()) { ContentOffset = start };
        }

        // Browsers send a file name's UTF-8 bytes as they are (RFC 7578 §4.2).
        var headBytes = section[..headEnd];
        var head = Utf8.IsValid(headBytes) ? Encoding.UTF8.GetString(headBytes) : Encoding.Latin1.GetString(headBytes);
        return new Part(ParseHeaders(head), section[(headEnd + separator)..].ToArray()) { ContentOffset = start + headEnd + separator };
    }

    /// <summary><c>Name: value</c> lines; a line without a colon is skipped rather than failing the part.</summary>
    private static HttpHeaders ParseHeaders(string head)
    {
        var headers = new HttpHeaders();
        foreach (var line in head.Split('\n'))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                headers.Add(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }

        return headers;
    }

    /// <summary>How many bytes up to and including the first line end (all of them when there is none).</summary>
    private static int LineEnd(ReadOnlySpan<byte> bytes)
    {
        var lf = bytes.IndexOf((byte)'\n');
        return lf < 0 ? bytes.Length : lf + 1;
    }

    /// <summary>The CRLF before a delimiter belongs to the delimiter, not to the content.</summary>
    private static ReadOnlySpan<byte> TrimFinalLineEnd(ReadOnlySpan<byte> section) =>
        section.EndsWith("\r\n"u8) ? section[..^2] : section.EndsWith("\n"u8) ? section[..^1] : section;
}
