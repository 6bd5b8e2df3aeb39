using System.Text.Json;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// How bodies are stored: decoded; JSON as embedded JSON when that round-trips byte for byte,
/// other text (by content type, valid UTF-8) as text, everything else as base64. A body that
/// cannot be decoded within the limit is stored as it came: base64, its encoding, <c>"encoded": true</c>
/// and a note saying why.
/// </summary>
internal static class BodyCodec
{
    public static BodyRecord? Encode(HttpMessage message)
    {
        if (message.Body is null)
        {
            return message.Stream ? new BodyRecord { Streamed = true } : null;
        }

        if (message.Body.Length == 0)
        {
            return null;
        }

        var encoding = message.Headers.Get("Content-Encoding");
        if (!ContentEncoding.IsIdentity(encoding) && message.DecodeProblem is { } problem)
        {
            // Past the decoding limit, corrupt or unknown: the bytes as they came, with the reason.
            return new BodyRecord { Encoding = encoding, Encoded = true, Base64 = message.Body, Note = problem };
        }

        byte[] content = message.DecodedBody ?? message.Body;
        var storedEncoding = ContentEncoding.IsIdentity(encoding) ? null : encoding;

        // What the body is comes from the content layer; how it is stored (embedded JSON only when
        // it round-trips byte for byte, text only when it is exact UTF-8) is the cassette format's.
        var contentType = message.Headers.Get("Content-Type");
        var parsedType = ContentTypeHeader.Parse(contentType);
        if (MediaType.IsJson(parsedType) && TryEmbedJson(content, out var json))
        {
            return new BodyRecord { Encoding = storedEncoding, Json = json };
        }

        if (TextDecoding.IsExactUtf8(content) && (contentType is null || MediaType.IsTextual(parsedType)))
        {
            return new BodyRecord { Encoding = storedEncoding, Text = content }; // the bytes: written as a JSON string
        }

        return new BodyRecord { Encoding = storedEncoding, Base64 = content };
    }

    /// <summary>
    /// Refuses a body whose record disagrees with its head: an <c>encoding</c> other than the
    /// Content-Encoding header's (the body would be sent compressed under a header that says
    /// otherwise, or the other way round), or content beside <c>streamed: true</c> (which keeps none,
    /// so the content would be dropped without a word).
    /// </summary>
    public static void CheckAgainstHead(BodyRecord? record, HttpHeaders headers, string location)
    {
        if (record is null)
        {
            return;
        }

        if (record.Streamed == true && (record.Text is not null || record.Json is not null || record.Base64 is not null))
        {
            throw new CassetteFormatException(location, "has content beside \"streamed\": true; a streamed body is recorded without its content");
        }

        var header = headers.Get("Content-Encoding");
        if (record.Streamed != true && !SameCoding(record.Encoding, header))
        {
            throw new CassetteFormatException(location + ".encoding", $"is {CassetteValidator.Quote(record.Encoding)} but the Content-Encoding header is {CassetteValidator.Quote(header)}; expected them to agree");
        }
    }

    private static bool SameCoding(string? recorded, string? header) =>
        ContentEncoding.IsIdentity(recorded) ? ContentEncoding.IsIdentity(header)
            : header is not null && string.Equals(recorded!.Replace(" ", "", StringComparison.Ordinal), header.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

    /// <summary>The body bytes as they go on the wire: decoded content, re-encoded when an encoding is noted.</summary>
    public static byte[]? Decode(BodyRecord? record, string location)
    {
        if (record is null)
        {
            return [];
        }

        if (record.Streamed == true)
        {
            return null;
        }

        var kinds = (record.Text is not null ? 1 : 0) + (record.Json is not null ? 1 : 0) + (record.Base64 is not null ? 1 : 0);
        if (kinds != 1)
        {
            throw new CassetteFormatException(location, "expected exactly one of \"text\", \"json\" or \"base64\"");
        }

        byte[] content;
        if (record.Text is { } text)
        {
            content = text;
        }
        else if (record.Json is { } json)
        {
            content = JsonSerializer.SerializeToUtf8Bytes(json, JsonElementContext.Default.JsonElement);
        }
        else
        {
            content = record.Base64!; // exactly one kind is set; the serializer refused text that is not base64, naming the line
        }

        if (record.Encoded == true)
        {
            return content; // stored as it came, still encoded
        }

        if (record.Encoding is { } encoding && !ContentEncoding.IsIdentity(encoding))
        {
            if (!ContentEncoding.TryEncode(content, encoding, out var encoded))
            {
                throw new CassetteFormatException(location + ".encoding", $"cannot re-apply Content-Encoding '{encoding}'");
            }

            return encoded;
        }

        return content;
    }

    /// <summary>
    /// The loader reads a body's <c>"json"</c> at <c>$.flows[i].request.body.json</c>, five levels
    /// into the file, within the serializer's depth limit (64 unless set): deeper JSON would not load back.
    /// </summary>
    private static readonly int EmbeddedMaxDepth = (CassetteJsonContext.Default.Options.MaxDepth is > 0 and var limit ? limit : 64) - 5;

    /// <summary>
    /// Embeds the body as JSON only when the loader reads it back to the same bytes: not when it has
    /// duplicate keys (the loader refuses them), is <c>null</c> (read back as no body at all), nests
    /// past what the loader reads, holds a surrogate escape (a lone one is rewritten on the way
    /// through), or is not already compact. Anything else is kept as text by the caller.
    /// </summary>
    private static bool TryEmbedJson(byte[] content, out JsonElement json)
    {
        json = default;
        if (HasSurrogateEscape(content))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(content, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = EmbeddedMaxDepth });
            if (document.RootElement.ValueKind == JsonValueKind.Null)
            {
                return false;
            }

            var compact = JsonSerializer.SerializeToUtf8Bytes(document.RootElement, JsonElementContext.Default.JsonElement);
            if (!compact.AsSpan().SequenceEqual(content))
            {
                return false; // pretty-printed or unusually escaped: keep the exact text instead
            }

            json = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>\uD800</c> to <c>\uDFFF</c> anywhere (a false alarm on an escaped backslash only costs the
    /// readable form): the writer unescapes strings, and a lone surrogate does not survive that.
    /// </summary>
    private static bool HasSurrogateEscape(ReadOnlySpan<byte> content)
    {
        for (var i = content.IndexOf("\\u"u8); i >= 0 && i + 3 < content.Length; i = NextEscape(content, i + 2))
        {
            if ((content[i + 2] | 0x20) == 'd' && content[i + 3] is (>= (byte)'8' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'f') or (>= (byte)'A' and <= (byte)'F'))
            {
                return true;
            }
        }

        return false;
    }

    private static int NextEscape(ReadOnlySpan<byte> content, int from)
    {
        var next = content[from..].IndexOf("\\u"u8);
        return next < 0 ? -1 : from + next;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
internal sealed partial class JsonElementContext : System.Text.Json.Serialization.JsonSerializerContext;
