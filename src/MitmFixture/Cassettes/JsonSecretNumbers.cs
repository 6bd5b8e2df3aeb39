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
    public static string Quote(string text, Func<string, string> replace) =>
        JsonTokenSplice.Apply(text, Reader, (ref Utf8JsonReader reader) =>
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                return null;
            }

            var number = Encoding.ASCII.GetString(reader.ValueSpan); // a number token is ASCII, never escaped
            var replaced = replace(number);
            return replaced == number ? null : $"\"{JsonEncodedText.Encode(replaced, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";
        });
}
