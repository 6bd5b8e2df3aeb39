using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Replay.Drift;

/// <summary>
/// Traffic normalised for comparison: volatile headers replaced by stable placeholders, noise
/// headers left out, JSON bodies parsed (chosen fields scrubbed), text as text, binary as a hash.
/// The fixture's traffic snapshots and the drift check both read flows through it.
/// </summary>
public static class TrafficNormalizer
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The normalised traffic: stable placeholders for volatile values, bodies pretty-printed.</summary>
    public static string Render(IReadOnlyList<Flow> flows, TrafficScrubOptions options)
    {
        var array = new JsonArray();
        foreach (var flow in flows)
        {
            array.Add(Normalize(flow, options));
        }

        return array.ToJsonString(Indented) + "\n";
    }

    /// <summary>One flow, normalised, as a JSON object (request, headers, bodies, trailers, status, error, WebSocket and gRPC messages).</summary>
    public static JsonObject Normalize(Flow flow, TrafficScrubOptions options)
    {
        var entry = new JsonObject
        {
            ["request"] = $"{flow.Request.Method} {flow.Request.Url}",
            ["request_headers"] = Headers(flow.Request.Headers, options),
        };
        if (Body(flow.Request, options) is { } requestBody)
        {
            entry["request_body"] = requestBody;
        }

        if (flow.Request.Trailers is { Count: > 0 } requestTrailers)
        {
            entry["request_trailers"] = Headers(requestTrailers, options);
        }

        if (flow.Response is { } response)
        {
            entry["status"] = $"{response.StatusCode} {response.Reason}";
            entry["response_headers"] = Headers(response.Headers, options);
            if (Body(response, options) is { } responseBody)
            {
                entry["response_body"] = responseBody;
            }

            if (response.Trailers is { Count: > 0 } responseTrailers)
            {
                entry["response_trailers"] = Headers(responseTrailers, options); // a gRPC call's grpc-status and grpc-message
            }
        }

        if (flow.Error is { } error)
        {
            entry["error"] = error.Message;
        }

        if (flow.WebSocket is { } ws)
        {
            entry["websocket"] = new JsonArray(ws.Messages.Select(m => (JsonNode?)$"{(m.FromClient ? "client" : "server")}: {(m.IsText ? m.Text : Convert.ToBase64String(m.Content))}").ToArray());
        }

        if (flow.Grpc is { } grpc)
        {
            entry["grpc"] = new JsonArray(grpc.Messages.Select(m => (JsonNode?)$"{(m.FromClient ? "client" : "server")}: {(m.Compressed ? "compressed " : "")}{Convert.ToBase64String(m.Content)}").ToArray());
        }

        return entry;
    }

    /// <summary>Indented JSON text with LF endings, for diffs.</summary>
    public static string ToText(JsonNode node) => node.ToJsonString(Indented) + "\n";

    private static JsonArray Headers(HttpHeaders headers, TrafficScrubOptions options)
    {
        var lines = new JsonArray();
        foreach (var field in headers)
        {
            if (options.IgnoreHeaders.Contains(field.Name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = options.ScrubHeaders.Contains(field.Name, StringComparer.OrdinalIgnoreCase) ? $"<{field.Name.ToLowerInvariant()}>" : field.Value;
            if (field.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && ContentTypeHeader.Parse(value).Boundary is { Length: > 0 } boundary)
            {
                value = WithoutBoundary(value, boundary);
            }

            lines.Add($"{field.Name}: {value}");
        }

        return lines;
    }

    private static JsonNode? Body(HttpMessage message, TrafficScrubOptions options)
    {
        if (message.Body is null)
        {
            return message.Stream ? "<streamed>" : null;
        }

        var bytes = message.DecodedBody ?? [];
        if (bytes.Length == 0)
        {
            return null;
        }

        // Text by the content layer's rules (BOM, then charset, then UTF-8; mostly control characters is binary).
        var contentType = ContentTypeHeader.Parse(message.ContentType);
        if (!TextDecoding.TryDecode(bytes, contentType.Charset, lenient: false, out var text))
        {
            return $"<{bytes.Length} bytes, sha256 {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}>";
        }

        if (MediaType.IsJson(contentType))
        {
            try
            {
                var node = JsonNode.Parse(text);
                foreach (var path in options.ScrubJsonFields)
                {
                    Scrub(node, path);
                }

                return node;
            }
            catch (JsonException)
            {
                // Not JSON after all: keep the text.
            }
        }

        if (MediaType.IsMultipart(contentType) && contentType.Boundary is { Length: > 0 } boundary)
        {
            text = text.Replace(boundary, "<boundary>", StringComparison.Ordinal);
        }

        return text;
    }

    private static void Scrub(JsonNode? root, string path)
    {
        var parts = path.TrimStart('$', '.').Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1 && node is JsonObject obj; i++)
        {
            node = obj[parts[i]];
        }

        if (node is JsonObject parent && parent.ContainsKey(parts[^1]))
        {
            parent[parts[^1]] = $"<{parts[^1]}>";
        }
    }

    /// <summary>The boundary (quoted or not, as the one Content-Type parser read it) as <c>&lt;boundary&gt;</c>: it is random per request.</summary>
    private static string WithoutBoundary(string value, string boundary) =>
        value.Replace('"' + boundary + '"', "<boundary>", StringComparison.Ordinal).Replace(boundary, "<boundary>", StringComparison.Ordinal);
}
