using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>
/// A flow's metadata in a cassette, as mitmproxy keeps flow.metadata in its dumps: what the proxy
/// and addons noted about the flow (<c>server_surplus</c>, <c>stickycookie</c>, <c>proxyauth</c>), so a
/// reviewer sees it. Only values a file can hold as they are go in (strings, numbers, true/false);
/// others (an addon's objects, keys a file could not hold) stay in memory. A file's metadata is input: anything else is refused.
/// </summary>
internal static class FlowMetadata
{
    private const int MaxKeyLength = 200;

    public static Dictionary<string, JsonNode?>? ToRecord(Dictionary<string, object?> metadata)
    {
        if (metadata.Count == 0)
        {
            return null;
        }

        var record = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) // stable order, so the file diffs well
        {
            JsonNode? node = value switch
            {
                string text => JsonValue.Create(text),
                bool flag => JsonValue.Create(flag),
                int number => JsonValue.Create(number),
                long number => JsonValue.Create(number),
                double number when double.IsFinite(number) => JsonValue.Create(number),
                _ => null,
            };
            if (node is not null && KeyProblem(key) is null)
            {
                record[key] = node;
            }
        }

        return record.Count == 0 ? null : record;
    }

    public static void Fill(Dictionary<string, object?> metadata, Dictionary<string, JsonNode?>? record, string location)
    {
        foreach (var (key, node) in record ?? [])
        {
            CheckKey(key, location);
            metadata[key] = node?.GetValueKind() switch
            {
                JsonValueKind.String => node.GetValue<string>(),
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number when long.TryParse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => whole,
                JsonValueKind.Number => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
                _ => throw new CassetteFormatException($"{location}.{key}", "a metadata value is a string, a number, true or false"),
            };
        }
    }

    private static void CheckKey(string key, string location)
    {
        if (KeyProblem(key) is { } expected)
        {
            throw new CassetteFormatException(location, $"a metadata key is {CassetteValidator.Quote(key)}; expected {expected}");
        }
    }

    /// <summary>A key is shown in the console, dump and report: short, with no control characters. One rule for writing and loading, so what is saved loads.</summary>
    private static string? KeyProblem(string key) =>
        key.Length is 0 or > MaxKeyLength ? $"1 to {MaxKeyLength.ToString(CultureInfo.InvariantCulture)} characters"
        : key.Any(char.IsControl) ? "a name without control characters, such as server_surplus"
        : null;
}
