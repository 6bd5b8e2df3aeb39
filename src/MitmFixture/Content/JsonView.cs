using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>JSON re-indented by two spaces, members in their original order, numbers and duplicates as sent.</summary>
internal static partial class JsonView
{
    public const string Name = "JSON";

    private static readonly JsonWriterOptions Pretty = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        // The output is drawn in a terminal, never embedded in HTML: keep non-ASCII text readable
        // instead of \u-escaping it. Control characters are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Deep enough for real payloads; deeper documents are shown as text rather than recursed into.</summary>
    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = 256 };

    public static bool TryRender(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        var output = new ArrayBufferWriter<byte>();
        try
        {
            using var document = Parse(body, contentType.Charset);
            using var writer = new Utf8JsonWriter(output, Pretty);
            document.WriteTo(writer);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or DecoderFallbackException)
        {
            // Not JSON (or not in a charset we can read): the Text or Hex view shows it better.
            return false;
        }

        lines.AddText(UnescapeSurrogatePairs(Encoding.UTF8.GetString(output.WrittenSpan)));
        return true;
    }

    /// <summary>
    /// Even the relaxed encoder writes characters outside the BMP (emoji) as <c>\uD83D\uDE00</c>;
    /// they are printable, so they are put back. An escape is one only after an even number of
    /// backslashes (<c>\\uD83D</c> is a backslash then text), counted here rather than in a
    /// lookbehind that would rescan long backslash runs at every position.
    /// </summary>
    private static string UnescapeSurrogatePairs(string json)
    {
        if (!json.Contains("\\uD", StringComparison.OrdinalIgnoreCase))
        {
            return json;
        }

        return EscapedSurrogatePair().Replace(json, match =>
        {
            var backslashes = 0;
            while (match.Index - backslashes - 1 >= 0 && json[match.Index - backslashes - 1] == '\\')
            {
                backslashes++;
            }

            return backslashes % 2 == 1
                ? match.Value
                : string.Concat((char)Convert.ToInt32(match.Groups[1].Value, 16), (char)Convert.ToInt32(match.Groups[2].Value, 16));
        });
    }

    [GeneratedRegex(@"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EscapedSurrogatePair();

    /// <summary>
    /// UTF-8 bytes are parsed as they are (invalid sequences in strings come out as U+FFFD); other
    /// charsets, by byte order mark or declared, are decoded first.
    /// </summary>
    private static JsonDocument Parse(byte[] body, Encoding? charset)
    {
        var span = (ReadOnlySpan<byte>)body;
        var encoding = BodyCharset.Detect(ref span, charset);
        return encoding.CodePage == Encoding.UTF8.CodePage
            ? JsonDocument.Parse(body.AsMemory(body.Length - span.Length), Strict)
            : JsonDocument.Parse(encoding.GetString(span), Strict);
    }
}
