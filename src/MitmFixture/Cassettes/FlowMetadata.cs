using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>
/// A flow's metadata in a cassette, as mitmproxy keeps flow.metadata in its dumps: what the proxy
/// and addons noted about the flow (<c>server_surplus</c>, <c>stickycookie</c>, <c>proxyauth</c>), so a
/// reviewer sees it. Only values a file can hold as they are go in (strings, numbers, true/false);
/// others (an addon's objects) stay in memory. A file's metadata is input: anything else is refused.
/// </summary>
internal static class FlowMetadata
{
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
            if (node is not null)
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
}
