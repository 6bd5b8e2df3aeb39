using System.Text;
using System.Text.Unicode;
using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// A tolerant multipart/form-data reader for display (RFC 7578, RFC 2046 §5.1.1). The engine's
/// Replay.Multipart is internal and strict (it compares bodies for matching); a view instead
/// shows what it can: LF-only line ends, a missing close delimiter or a truncated last part.
/// </summary>
internal static class MultipartBody
{
    public sealed record Part(HttpHeaders Headers, byte[] Content)
    {
        /// <summary>Content-Disposition has Content-Type's parameter syntax (RFC 6266 §4.1), so one parser serves both.</summary>
        private ContentTypeHeader Disposition => ContentTypeHeader.Parse(Headers.Get("Content-Disposition"));

        public string? Name => Disposition.Parameters.GetValueOrDefault("name");

        public string? FileName => Disposition.Parameters.GetValueOrDefault("filename");

        public ContentTypeHeader ContentType => ContentTypeHeader.Parse(Headers.Get("Content-Type"));
    }

    /// <summary>The parts between the delimiters; empty when the boundary never occurs.</summary>
    public static List<Part> Parse(byte[] body, string boundary)
    {
        var parts = new List<Part>();
        var delimiter = Encoding.Latin1.GetBytes("--" + boundary);
        var span = body.AsSpan();
        var at = span.IndexOf(delimiter);
        while (at >= 0)
        {
            var rest = span[(at + delimiter.Length)..];
            if (rest.StartsWith("--"u8))
            {
                break; // the close delimiter
            }

            rest = rest[(LineEnd(rest) is var end and >= 0 ? end : rest.Length)..]; // transport padding
            var next = rest.IndexOf(delimiter);
            var section = next < 0 ? rest : rest[..next];
            parts.Add(ReadPart(TrimFinalLineEnd(section)));
            at = next < 0 ? -1 : span.Length - rest.Length + next;
        }

        return parts;
    }

    private static Part ReadPart(ReadOnlySpan<byte> section)
    {
        var crlf = section.IndexOf("\r\n\r\n"u8);
        var lf = section.IndexOf("\n\n"u8);
        var (headEnd, separator) = crlf >= 0 && (lf < 0 || crlf < lf) ? (crlf, 4) : (lf, 2);
        if (headEnd < 0)
        {
            // No blank line: a part with no headers is all content (RFC 2046 §5.1.1 allows it).
            return new Part(new HttpHeaders(), section.ToArray());
        }

        // Browsers send a file name's UTF-8 bytes as they are (RFC 7578 §4.2).
        var headBytes = section[..headEnd];
        var head = Utf8.IsValid(headBytes) ? Encoding.UTF8.GetString(headBytes) : Encoding.Latin1.GetString(headBytes);
        return new Part(ParseHeaders(head), section[(headEnd + separator)..].ToArray());
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

    /// <summary>Index just past the first line end, or -1.</summary>
    private static int LineEnd(ReadOnlySpan<byte> bytes)
    {
        var lf = bytes.IndexOf((byte)'\n');
        return lf < 0 ? -1 : lf + 1;
    }

    /// <summary>The CRLF before a delimiter belongs to the delimiter, not to the content.</summary>
    private static ReadOnlySpan<byte> TrimFinalLineEnd(ReadOnlySpan<byte> section) =>
        section.EndsWith("\r\n"u8) ? section[..^2] : section.EndsWith("\n"u8) ? section[..^1] : section;
}
