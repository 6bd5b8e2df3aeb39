using System.Text;
using System.Text.Json;

namespace MitmFixture.Cassettes;

/// <summary>
/// Rewrites chosen tokens of a JSON body in place, every other byte as it was: what redaction needs
/// where a secret stands in JSON (a secret field's value, a number that must become a string). Text
/// that is not a JSON object or array, behind an anti-XSSI prefix too, or that does not parse, is
/// returned as it is.
/// </summary>
internal static class JsonTokenSplice
{
    /// <summary>The JSON text to put in place of the reader's current value token, or null to keep it.</summary>
    public delegate string? Replacement(ref Utf8JsonReader reader);

    /// <summary><paramref name="text"/> with each token <paramref name="replace"/> answers for replaced; the same instance when none is.</summary>
    public static string Apply(string text, JsonReaderOptions options, Replacement replace)
    {
        var json = SecretFinder.WithoutXssiPrefix(text);
        if (json.TrimStart() is not ['{' or '[', ..])
        {
            return text;
        }

        var bytes = Encoding.UTF8.GetBytes(json);
        var output = new List<byte>(bytes.Length + 16);
        var copied = 0;
        var reader = new Utf8JsonReader(bytes, options);
        try
        {
            while (reader.Read())
            {
                if (replace(ref reader) is not { } replacement)
                {
                    continue;
                }

                var start = (int)reader.TokenStartIndex;
                output.AddRange(bytes.AsSpan(copied, start - copied));
                output.AddRange(Encoding.UTF8.GetBytes(replacement));
                copied = start + reader.ValueSpan.Length + (reader.TokenType == JsonTokenType.String ? 2 : 0); // a string's raw bytes, escapes and all, between its quotes
            }
        }
        catch (JsonException)
        {
            return text; // not JSON after all: nothing in it to keep valid or to replace
        }

        if (copied == 0)
        {
            return text;
        }

        output.AddRange(bytes.AsSpan(copied));
        return text[..^json.Length] + Encoding.UTF8.GetString([.. output]);
    }
}
