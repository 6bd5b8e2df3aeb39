using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MitmFixture.Cassettes;

/// <summary>
/// Keeps redacted JSON valid where a secret is a number: a placeholder is not a JSON value, so a
/// number that holds a secret (<c>{"pin": 271828}</c>, or the same digits anywhere else) becomes a
/// JSON string of its redacted text (<c>{"pin": "&lt;PIN&gt;"}</c>), as Rails' and Sentry's
/// scrubbers put a string (<c>"[FILTERED]"</c>) in place of a filtered number.
/// </summary>
internal static class JsonSecretNumbers
{
    private static readonly JsonReaderOptions Reader = new()
    {
        AllowMultipleValues = true, // ndjson, JSON Lines
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = SecretFinder.JsonMaxDepth,
    };

    /// <summary>
    /// <paramref name="text"/> with each JSON number whose text <paramref name="replace"/> changes
    /// turned into a string of the replaced text; text that is not a JSON object or array (behind an
    /// anti-XSSI prefix too) is returned as it is.
    /// </summary>
    public static string Quote(string text, Func<string, string> replace)
    {
        var json = SecretFinder.WithoutXssiPrefix(text);
        if (json.TrimStart() is not ['{' or '[', ..])
        {
            return text;
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        var output = new List<byte>(bytes.Length + 16);
        var copied = 0;
        var reader = new Utf8JsonReader(bytes, Reader);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.Number)
                {
                    continue;
                }

                var number = Encoding.ASCII.GetString(reader.ValueSpan); // a number token is ASCII, never escaped
                var replaced = replace(number);
                if (replaced == number)
                {
                    continue;
                }

                var start = (int)reader.TokenStartIndex;
                output.AddRange(bytes.AsSpan(copied, start - copied));
                output.AddRange(Encoding.UTF8.GetBytes($"\"{JsonEncodedText.Encode(replaced, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\""));
                copied = start + reader.ValueSpan.Length;
            }
        }
        catch (JsonException)
        {
            return text; // not JSON after all: there is no validity to keep
        }

        if (copied == 0)
        {
            return text;
        }

        output.AddRange(bytes.AsSpan(copied));
        return text[..^json.Length] + Encoding.UTF8.GetString([.. output]);
    }
}
