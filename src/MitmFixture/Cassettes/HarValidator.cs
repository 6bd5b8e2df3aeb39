using System.Text.RegularExpressions;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>The checks <see cref="CassetteValidator"/> makes, for a HAR entry: what reaches a message head must be safe to write.</summary>
internal static class HarValidator
{
    /// <summary>
    /// What tools write in <c>httpVersion</c>: "HTTP/1.1", "http/2.0" and "h3" (Chrome, Edge), "HTTP/2" and
    /// "HTTP/3" (Firefox), "h3-29" and "http/2+quic/46" (older Chrome), "" (Safari for cache hits), null.
    /// HTTP/1.0 and HTTP/2 keep their version (Har.NormalizeVersion); the rest are answered as HTTP/1.1, so none is written.
    /// </summary>
    private static readonly Regex KnownVersion = new(
        @"^(?:HTTP/(?:0\.9|1\.[01]|[23](?:\.0)?)|SPDY/\d(?:\.\d)?|h2c?|h3(?:-[A-Za-z0-9]{1,8})?|http/2\+quic/\d{1,4}|quic|unknown|)$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    /// <summary>A year in milliseconds: longer than any exchange a HAR records.</summary>
    private const double MaxEntryMilliseconds = 365.0 * 24 * 3600 * 1000;

    /// <summary>
    /// The format version: "1.2" (browsers, Charles, Insomnia, Playwright, mitmproxy) or "1.1" (Fiddler);
    /// HAR 1.2 reads an empty one as "1.1". Absent reads as null here (see CassetteValidator) and is
    /// taken as given. Another is a format this reader does not know, however familiar the rest looks.
    /// </summary>
    public static void Log(HarLog log)
    {
        if (log.Version is not (null or "1.2" or "1.1" or ""))
        {
            throw new CassetteFormatException("$.log.version", $"is {CassetteValidator.Quote(log.Version)}; expected \"1.2\" or \"1.1\" (the HAR versions there are; browsers write \"1.2\")");
        }
    }

    public static void Validate(HarEntry? entry, string at)
    {
        if (entry is null)
        {
            throw new CassetteFormatException(at, "expected an entry object, got null");
        }

        // The entry's end is its start plus this: it has to be a time a DateTimeOffset can hold.
        if (entry.Time is { } time && time > 0 && (time > MaxEntryMilliseconds || entry.StartedDateTime > DateTimeOffset.MaxValue.AddMilliseconds(-time)))
        {
            throw new CassetteFormatException(at + ".time", $"is {time.ToString(System.Globalization.CultureInfo.InvariantCulture)} ms from {entry.StartedDateTime:O}; expected the entry's duration in milliseconds, at most a year and ending before the year 10000");
        }

        var request = entry.Request ?? throw new CassetteFormatException(at + ".request", "expected a request object, got null");
        Check(at + ".request.method", "the method", HttpSyntax.Token(request.Method));
        Check(at + ".request.url", "the URL", HttpSyntax.Atom(request.Url));
        Check(at + ".request.httpVersion", "the HTTP version", Version(request.HttpVersion));
        Fields(request.Headers, at + ".request.headers");
        if (request.Headers!.Count(h => string.Equals(h.Name, "Host", StringComparison.OrdinalIgnoreCase)) > 1) // Fields refused a null list, entry or name
        {
            // As CassetteValidator refuses it, and a live request gets a 400 (RFC 9112 §3.2): which one a server would pick is the ambiguity request smuggling lives on.
            throw new CassetteFormatException(at + ".request.headers", "has more than one Host header; expected at most one");
        }


        var response = entry.Response ?? throw new CassetteFormatException(at + ".response", "expected a response object, got null");
        if (response.Status > 0)
        {
            // 0 (Chrome, Firefox, Safari) and -1 (Playwright) say "no response".
            Check(at + ".response.status", "the status", HttpSyntax.FinalStatusCode(response.Status));
        }

        Check(at + ".response.statusText", "the status text", HttpSyntax.FieldText(response.StatusText ?? ""));
        Check(at + ".response.httpVersion", "the HTTP version", Version(response.HttpVersion));
        Fields(response.Headers, at + ".response.headers");
        BodyEncoding(response.Content?.Encoding, response.Content?.Text, at + ".response.content");
        BodyEncoding(request.PostData?.Encoding, request.PostData?.Text, at + ".request.postData");
        if (entry.WebSocketMessages is { } messages)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i] ?? throw new CassetteFormatException($"{at}._webSocketMessages[{i}]", "expected a message object, got null");
                if (message.Type is not ("send" or "receive"))
                {
                    throw new CassetteFormatException($"{at}._webSocketMessages[{i}].type", $"is {CassetteValidator.Quote(message.Type)}; expected \"send\" or \"receive\"");
                }

                if (message.Data is null)
                {
                    throw new CassetteFormatException($"{at}._webSocketMessages[{i}].data", "expected a string, got null");
                }

                if (message.Opcode == 2 && !IsBase64(message.Data))
                {
                    throw new CassetteFormatException($"{at}._webSocketMessages[{i}].data", "a binary message (opcode 2) must be base64");
                }
            }
        }
    }

    private static void BodyEncoding(string? encoding, string? text, string at)
    {
        if (encoding is null or "" || text is null)
        {
            return;
        }

        if (encoding != "base64")
        {
            throw new CassetteFormatException(at + ".encoding", $"is {CassetteValidator.Quote(encoding)}; expected \"base64\" or none");
        }

        if (!IsBase64(text))
        {
            throw new CassetteFormatException(at + ".text", "is not valid base64");
        }
    }

    private static bool IsBase64(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out _);
    }

    private static void Fields(List<HarNameValue>? fields, string at)
    {
        if (fields is null)
        {
            throw new CassetteFormatException(at, "expected an array of headers, got null");
        }

        for (var i = 0; i < fields.Count; i++)
        {
            var field = fields[i] ?? throw new CassetteFormatException($"{at}[{i}]", "expected a header object, got null");
            if (field.Name is null || field.Value is null)
            {
                throw new CassetteFormatException($"{at}[{i}]", "expected a header with a \"name\" and a \"value\"");
            }

            if (!field.Name.StartsWith(':'))
            {
                Check($"{at}[{i}].name", "the header name", HttpSyntax.Token(field.Name)); // HTTP/2 pseudo-headers are dropped on import
            }

            Check($"{at}[{i}].value", $"the value of header '{field.Name}'", HttpSyntax.FieldText(field.Value));
        }
    }

    private static string? Version(string? version) =>
        version is null || (version.Length <= 32 && KnownVersion.IsMatch(version)) ? null : $"is {CassetteValidator.Quote(version)}; expected an HTTP version such as \"HTTP/1.1\", \"h2\" or \"h3\"";

    private static void Check(string at, string field, string? problem)
    {
        if (problem is not null)
        {
            throw new CassetteFormatException(at, $"{field} {problem}");
        }
    }
}
