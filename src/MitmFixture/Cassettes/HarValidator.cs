using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>The checks <see cref="CassetteValidator"/> makes, for a HAR entry: what reaches a message head must be safe to write.</summary>
internal static class HarValidator
{
    /// <summary>What browsers write in <c>httpVersion</c>; all but HTTP/1.0 are answered as HTTP/1.1, the version the proxy speaks.</summary>
    private static readonly HashSet<string> KnownVersions = new(StringComparer.OrdinalIgnoreCase)
    {
        "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "h2", "h2c", "HTTP/3", "HTTP/3.0", "h3", "", "unknown",
    };

    public static void Validate(HarEntry? entry, string at)
    {
        if (entry is null)
        {
            throw new CassetteFormatException(at, "expected an entry object, got null");
        }

        var request = entry.Request ?? throw new CassetteFormatException(at + ".request", "expected a request object, got null");
        Check(at + ".request.method", "the method", HttpSyntax.Token(request.Method));
        Check(at + ".request.url", "the URL", HttpSyntax.Atom(request.Url));
        Check(at + ".request.httpVersion", "the HTTP version", Version(request.HttpVersion));
        Fields(request.Headers, at + ".request.headers");

        var response = entry.Response ?? throw new CassetteFormatException(at + ".response", "expected a response object, got null");
        if (response.Status != 0)
        {
            // 0 is how HAR says "no response".
            Check(at + ".response.status", "the status", HttpSyntax.StatusCode(response.Status));
        }

        Check(at + ".response.statusText", "the status text", HttpSyntax.FieldText(response.StatusText));
        Check(at + ".response.httpVersion", "the HTTP version", Version(response.HttpVersion));
        Fields(response.Headers, at + ".response.headers");
        if (response.Content is null)
        {
            throw new CassetteFormatException(at + ".response.content", "expected a content object, got null");
        }

        if (entry.WebSocketMessages is { } messages)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                _ = messages[i] ?? throw new CassetteFormatException($"{at}._webSocketMessages[{i}]", "expected a message object, got null");
            }
        }
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
        version is not null && KnownVersions.Contains(version) ? null : $"is {CassetteValidator.Quote(version)}; expected an HTTP version such as \"HTTP/1.1\", \"h2\" or \"h3\"";

    private static void Check(string at, string field, string? problem)
    {
        if (problem is not null)
        {
            throw new CassetteFormatException(at, $"{field} {problem}");
        }
    }
}
