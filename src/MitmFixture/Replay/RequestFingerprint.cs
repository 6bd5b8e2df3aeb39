using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MitmFixture.Cassettes;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>
/// The parts of a request that replay matches on (mitmproxy's <c>ServerPlayback._hash</c>), kept
/// apart so an unmatched request can be told which part differs, and hashed for O(1) lookup.
/// </summary>
internal sealed record RequestFingerprint(
    string Scheme,
    string Method,
    string Host,
    string Port,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Query,
    string Body,
    IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public string Key { get; } = ComputeKey(Scheme, Method, Host, Port, Path, Query, Body, Headers);

    public static RequestFingerprint Of(HttpRequest request, ServerReplayOptions options)
    {
        // Redaction placeholders compare by kind: <ACCESS_TOKEN-2> recorded matches <ACCESS_TOKEN> live.
        var query = request.Query
            .Where(p => !options.IgnoreParams.Contains(p.Key, StringComparer.Ordinal))
            .Select(p => new KeyValuePair<string, string>(p.Key, RedactionPlaceholder.Normalize(p.Value)))
            .ToList();
        var headers = options.UseHeaders.Select(h => new KeyValuePair<string, string>(h.ToLowerInvariant(), RedactionPlaceholder.Normalize(request.Headers.Get(h) ?? ""))).ToList();
        return new RequestFingerprint(
            request.Scheme.ToLowerInvariant(),
            request.Method.ToUpperInvariant(),
            options.IgnoreHost ? "" : request.Host.ToLowerInvariant(),
            options.IgnorePort ? "" : request.Port.ToString(CultureInfo.InvariantCulture),
            RedactionPlaceholder.Normalize(request.PathOnly),
            query,
            options.IgnoreContent ? "" : BodyKey(request, options),
            headers);
    }

    /// <summary>
    /// The body as matching sees it: JSON canonical (key order and spacing ignored), multipart without
    /// its boundary, forms filtered; any body that cannot be read so is keyed by its bytes (never a throw:
    /// recordings are keyed when a cassette loads, and one body must not stop the rest).
    /// </summary>
    private static string BodyKey(HttpRequest request, ServerReplayOptions options)
    {
        var body = request.DecodedBody ?? [];
        if (body.Length == 0)
        {
            return "";
        }

        body = NormalizePlaceholders(body);

        // Every content decision (form, multipart and its boundary, JSON, charset and BOM) is the content layer's.
        var contentType = ContentTypeHeader.Parse(request.ContentType);
        if (MediaType.IsForm(contentType) && options.IgnorePayloadParams.Count > 0)
        {
            var pairs = FormUrlEncoding.Parse(TextDecoding.Decode(body, contentType.Charset)).Where(p => !options.IgnorePayloadParams.Contains(p.Key, StringComparer.Ordinal));
            return "form:" + FormUrlEncoding.Format(pairs);
        }

        if (MultipartBody.TryParse(body, contentType, out var parts))
        {
            var kept = parts.Where(p => p.Name is null || !options.IgnorePayloadParams.Contains(p.Name, StringComparer.Ordinal));
            return "multipart:" + string.Join("\n", kept.Select(p => $"{p.Name}|{p.FileName}|{p.Headers.Get("Content-Type")}|{Convert.ToHexString(SHA256.HashData(p.Content))}"));
        }

        if (MediaType.IsJson(contentType) && TextDecoding.TryDecode(body, contentType.Charset, lenient: false, out var json) &&
            TryCanonicalJson(json, options.IgnoreJsonFields, out var canonical))
        {
            return "json:" + canonical;
        }

        return "raw:" + Convert.ToHexString(SHA256.HashData(body));
    }

    /// <summary>The body (or WebSocket message) with redaction placeholders reduced to their kind, when it is UTF-8 text holding any.</summary>
    internal static byte[] NormalizePlaceholders(byte[] body)
    {
        if (body.AsSpan().IndexOfAny("<%\\"u8) < 0)
        {
            return body;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return body;
        }

        var normalized = RedactionPlaceholder.Normalize(text);
        return ReferenceEquals(normalized, text) || normalized == text ? body : Encoding.UTF8.GetBytes(normalized);
    }

    private static bool TryCanonicalJson(string json, IReadOnlyList<string> ignore, out string canonical)
    {
        canonical = "";
        try
        {
            var node = JsonNode.Parse(json);
            foreach (var path in ignore)
            {
                JsonPath.Remove(node, path);
            }

            var builder = new StringBuilder();
            Canonical(node, builder);
            canonical = builder.ToString();
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // Valid JSON .NET will not hold as text or as an object: a lone surrogate escape
            // ("\ud800" cannot become a string) or a duplicate key. The raw bytes still key it.
            return false;
        }
    }

    private static void Canonical(JsonNode? node, StringBuilder output)
    {
        switch (node)
        {
            case JsonObject obj:
                output.Append('{');
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    output.Append(JsonSerializer.Serialize(key, JsonElementStringContext.Default.String)).Append(':');
                    Canonical(value, output);
                    output.Append(',');
                }

                output.Append('}');
                break;
            case JsonArray array:
                output.Append('[');
                foreach (var item in array)
                {
                    Canonical(item, output);
                    output.Append(',');
                }

                output.Append(']');
                break;
            case null:
                output.Append("null");
                break;
            default:
                output.Append(node.ToJsonString());
                break;
        }
    }

    private static string ComputeKey(string scheme, string method, string host, string port, string path, IReadOnlyList<KeyValuePair<string, string>> query, string body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var text = new StringBuilder();
        foreach (var part in new[] { scheme, method, host, port, path, body })
        {
            text.Append(part.Length).Append(':').Append(part).Append('|');
        }

        foreach (var (key, value) in query.Concat(headers))
        {
            text.Append(key.Length).Append(':').Append(key).Append('=').Append(value.Length).Append(':').Append(value).Append('|');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class JsonElementStringContext : System.Text.Json.Serialization.JsonSerializerContext;
