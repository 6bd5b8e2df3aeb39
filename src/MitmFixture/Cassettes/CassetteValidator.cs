using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// A cassette is input: it arrives in a pull request and its fields end up in message heads on
/// sockets. Every field that reaches a start line or a header is checked as the parser checks a
/// request from the network (tokens, control characters, ranges); the first problem is thrown as a
/// <see cref="CassetteFormatException"/> whose location is the JSON path, which
/// <see cref="Cassette.Load(string)"/> turns into file and line.
/// </summary>
internal static class CassetteValidator
{
    /// <remarks>
    /// A property missing from the file reads as null here even where the record has a default (the
    /// source-generated reader sets every init property), so null stands for "absent" and
    /// <see cref="FlowMapper.ToFlow"/> applies the default; an explicit JSON null is refused earlier.
    /// </remarks>
    public static void Validate(CassetteFile file)
    {
        for (var i = 0; i < file.Flows.Count; i++)
        {
            var at = $"$.flows[{i}]";
            var flow = file.Flows[i] ?? throw new CassetteFormatException(at, "expected a flow object, got null");
            Request(flow.Request, at + ".request");
            if (flow.Response is { } response)
            {
                Response(response, at + ".response");
            }

            if (flow.WebSocket is { } webSocket)
            {
                WebSocket(webSocket, at + ".web_socket");
            }

            if (flow.Grpc is { Messages: { } grpcMessages })
            {
                for (var m = 0; m < grpcMessages.Count; m++)
                {
                    _ = grpcMessages[m] ?? throw new CassetteFormatException($"{at}.grpc.messages[{m}]", "expected a message object, got null");
                }
            }
        }
    }

    private static void Request(RequestRecord request, string at)
    {
        Check(at + ".method", "the method", HttpSyntax.Token(request.Method));
        if (request.Scheme is not ("http" or "https"))
        {
            throw new CassetteFormatException(at + ".scheme", $"expected \"http\" or \"https\", got {Quote(request.Scheme)}");
        }

        Check(at + ".host", "the host", Host(request.Host));
        Check(at + ".port", "the port", HttpSyntax.Port(request.Port));
        Check(at + ".path", "the path", Path(request.Path));
        Check(at + ".http_version", "the HTTP version", request.HttpVersion is null ? null : HttpSyntax.Version(request.HttpVersion));
        Fields(request.Headers, at + ".headers", "header");
        Fields(request.Trailers, at + ".trailers", "trailer");
        if (request.Headers?.Count(line => line?.StartsWith("Host:", StringComparison.OrdinalIgnoreCase) == true) > 1)
        {
            // As a live request gets a 400 (RFC 9112 §3.2): which one a server would pick is the ambiguity request smuggling lives on.
            throw new CassetteFormatException(at + ".headers", "has more than one Host header; expected at most one");
        }
    }

    private static void Response(ResponseRecord response, string at)
    {
        Check(at + ".status_code", "the status code", HttpSyntax.FinalStatusCode(response.StatusCode));
        Check(at + ".reason", "the reason phrase", response.Reason is null ? null : HttpSyntax.FieldText(response.Reason));
        Check(at + ".http_version", "the HTTP version", response.HttpVersion is null ? null : HttpSyntax.Version(response.HttpVersion));
        Fields(response.Headers, at + ".headers", "header");
        Fields(response.Trailers, at + ".trailers", "trailer");
    }

    private static void WebSocket(WebSocketRecord webSocket, string at)
    {
        if (webSocket.Messages is { } messages)
        {
            for (var m = 0; m < messages.Count; m++)
            {
                _ = messages[m] ?? throw new CassetteFormatException($"{at}.messages[{m}]", "expected a message object, got null");
            }
        }

        // Display only today (the replayed close is the player's own), but what a file says a peer sent
        // must be something a peer could send.
        if (WebSocketClose.CodeProblem(webSocket.CloseCode) is { } code)
        {
            throw new CassetteFormatException(at + ".close_code", code);
        }

        if (WebSocketClose.ReasonProblem(webSocket.CloseCode, webSocket.CloseReason) is { } reason)
        {
            throw new CassetteFormatException(at + ".close_reason", reason);
        }
    }

    /// <summary>"Name: value" lines: the name a token, the value free of control characters but HTAB.</summary>
    public static void Fields(List<string>? lines, string at, string kind)
    {
        if (lines is null)
        {
            return;
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i] ?? throw new CassetteFormatException($"{at}[{i}]", $"expected a \"Name: value\" string, got null");
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new CassetteFormatException($"{at}[{i}]", $"expected \"Name: value\", got {Quote(line)}");
            }

            var name = line[..colon];
            Check($"{at}[{i}]", $"the {kind} name {Quote(name)}", HttpSyntax.Token(name));
            Check($"{at}[{i}]", $"the value of {kind} '{name}'", HttpSyntax.FieldText(line[(colon + 1)..].TrimStart(' ', '\t'))); // the space after the colon is not the value's (RFC 9112 §5)
        }
    }

    /// <summary>A host name or IP literal: no control characters, whitespace, or URL delimiters that would change where it points.</summary>
    public static string? Host(string? host)
    {
        if (HttpSyntax.Atom(host) is { } problem)
        {
            return problem;
        }

        // Past U+00FF it can be no host a client asked for (a head is Latin-1 bytes) nor one to dial
        // (the lookup fails at replay), and a look-alike ('а', U+0430, in "exаmple.com") reads as another host.
        if (HttpSyntax.Bytes(host!) is { } wide) // Atom refused null
        {
            return wide + "; write a name past ASCII in its IDNA form (xn--...), as a client sends it";
        }

        var bad = host!.IndexOfAny(['/', '?', '#', '@', '\\']); // Atom refused null
        if (bad >= 0)
        {
            return $"has '{host[bad]}' at offset {bad}; expected a host name or IP address";
        }

        // A colon only in an IPv6 literal: "example.com:8080" would be looked up as a name and fail at replay, far from the file.
        var colon = host.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            ? null
            : $"has ':' at offset {colon}; expected a host name or IP address (the port goes in \"port\")";
    }

    /// <summary>An origin-form target (<c>/path?query</c>) or <c>*</c> (RFC 9112 §3.2).</summary>
    public static string? Path(string? path)
    {
        if (HttpSyntax.Atom(path) is { } problem)
        {
            return problem;
        }

        if (HttpSyntax.Bytes(path!) is { } wide) // Atom refused null
        {
            return wide + "; percent-encode it (as a client sends it)";
        }

        return path![0] == '/' || path == "*" ? null : $"is {Quote(path)}; expected it to start with '/'"; // Atom refused empty
    }

    private static void Check(string at, string field, string? problem)
    {
        if (problem is not null)
        {
            throw new CassetteFormatException(at, $"{field} {problem}");
        }
    }

    /// <summary>A value in an error message, control characters escaped so the message stays on one line.</summary>
    public static string Quote(string? value)
    {
        if (value is null)
        {
            return "null";
        }

        var shown = value.Length > 80 ? value[..80] + "..." : value;
        return "\"" + string.Concat(shown.Select(c => c < 0x20 || c == 0x7F ? $"\\x{(int)c:x2}" : c.ToString())) + "\"";
    }
}
