using System.Text.Json.Nodes;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Report;

/// <summary>
/// A flow as the report's script reads it: compact JSON, bodies cut to what a page can hold. A body
/// is shown as JSON or text when it decodes as text (byte order mark, charset, UTF-8), as an image when its type says so, otherwise
/// as a hex dump of its start; a body past <see cref="MaxTextBody"/> keeps only its start and says so,
/// so a 50 MB body makes a page of normal size.
/// </summary>
internal static class ReportData
{
    /// <summary>Text bodies beyond 256 KiB are cut: the page stays small and a browser stays fast.</summary>
    public const int MaxTextBody = 256 * 1024;

    /// <summary>Images up to 1 MiB are inlined as data URLs; larger ones get the hex view of their start.</summary>
    public const int MaxImage = 1024 * 1024;

    /// <summary>The hex view shows the first 4 KiB of a binary body.</summary>
    public const int MaxHex = 4 * 1024;

    public static JsonObject Flow(Flow flow, int index, string? note)
    {
        var request = flow.Request;
        var entry = new JsonObject
        {
            ["i"] = index,
            ["id"] = flow.Id,
            ["method"] = request.Method,
            ["url"] = request.Url,
            ["host"] = request.Host,
            ["path"] = request.Path,
            ["version"] = request.HttpVersion,
            ["reqHeaders"] = Headers(request.Headers),
            ["reqBody"] = Body(request),
            ["start"] = Millis(request.TimestampStart),
            ["reqEnd"] = Millis(request.TimestampEnd),
        };
        if (flow.Response is { } response)
        {
            entry["status"] = response.StatusCode;
            entry["reason"] = response.Reason;
            entry["type"] = response.ContentType ?? "";
            entry["size"] = response.BodyLength ?? 0;
            entry["respHeaders"] = Headers(response.Headers);
            entry["respBody"] = Body(response);
            entry["respStart"] = Millis(response.TimestampStart);
            entry["end"] = Millis(response.TimestampEnd);
        }

        if (flow.Error is { } error)
        {
            entry["error"] = error.Message;
        }

        if (flow.WebSocket is { } ws)
        {
            entry["ws"] = new JsonArray(ws.Messages.Select(m => (JsonNode)new JsonObject
            {
                ["client"] = m.FromClient,
                ["text"] = m.IsText ? Cut(m.Text) : null,
                ["hex"] = m.IsText ? null : Hex(m.Content),
                ["size"] = m.Content.Length,
                ["t"] = m.Timestamp.ToUnixTimeMilliseconds(),
            }).ToArray());
        }

        if (note is not null)
        {
            entry["note"] = note;
        }

        return entry;
    }

    private static JsonArray Headers(HttpHeaders headers) =>
        new(headers.Select(h => (JsonNode)new JsonArray(h.Name, h.Value)).ToArray());

    private static double? Millis(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    private static JsonObject? Body(HttpMessage message)
    {
        if (message.Body is null)
        {
            return message.Stream ? new JsonObject { ["kind"] = "streamed", ["size"] = 0 } : null;
        }

        var bytes = message.DecodedBody ?? message.Body;
        if (bytes.Length == 0)
        {
            return null;
        }

        var type = message.ContentType ?? "";
        var contentType = ContentTypeHeader.Parse(type);
        var body = new JsonObject { ["size"] = bytes.Length, ["type"] = type };
        if (MediaType.IsImage(contentType) && bytes.Length <= MaxImage && !contentType.MediaType.Contains("svg", StringComparison.Ordinal))
        {
            // SVG is script-capable: shown as text, never as an image.
            body["kind"] = "image";
            body["data"] = $"data:{contentType.MediaType};base64,{Convert.ToBase64String(bytes)}";
            return body;
        }

        var shown = bytes.AsSpan(0, Math.Min(bytes.Length, MaxTextBody));
        string? text = null;

        // Decoded as everywhere else (byte order mark, then charset, then UTF-8). The cut may split
        // a character: retry a few bytes shorter before calling it binary.
        var retries = shown.Length < bytes.Length ? Math.Min(3, shown.Length - 1) : 0;
        for (var back = 0; back <= retries && text is null; back++)
        {
            if (TextDecoding.TryDecode(shown[..^back], contentType.Charset, lenient: false, out var decoded))
            {
                text = decoded;
            }
        }

        if (text is not null && !text.Any(c => c < ' ' && c is not '\n' and not '\r' and not '\t'))
        {
            body["kind"] = MediaType.IsJson(contentType) ? "json" : "text";
            body["text"] = text;
            body["cut"] = shown.Length < bytes.Length;
            return body;
        }

        body["kind"] = "binary";
        body["hex"] = Hex(bytes);
        body["cut"] = bytes.Length > MaxHex;
        return body;
    }

    private static string Cut(string text) => text.Length <= MaxTextBody ? text : text[..MaxTextBody];

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes, 0, Math.Min(bytes.Length, MaxHex));
}
