using System.Globalization;
using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>The small JSON path subset redaction and matching use: <c>a.b</c>, <c>$.a.b</c>, <c>items[0].id</c>.</summary>
internal static class JsonPath
{
    public static JsonNode? Find(JsonNode? root, string path)
    {
        var node = root;
        foreach (var step in Steps(path))
        {
            node = step switch
            {
                int index when node is JsonArray array && index < array.Count => array[index],
                string name when node is JsonObject obj && obj.TryGetPropertyValue(name, out var child) => child,
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Removes the node at <paramref name="path"/> if present.</summary>
    public static void Remove(JsonNode? root, string path)
    {
        var steps = Steps(path).ToList();
        if (steps.Count == 0)
        {
            return;
        }

        var parent = root;
        foreach (var step in steps.Take(steps.Count - 1))
        {
            parent = step switch
            {
                int index when parent is JsonArray array && index < array.Count => array[index],
                string name when parent is JsonObject obj && obj.TryGetPropertyValue(name, out var child) => child,
                _ => null,
            };
        }

        switch (steps[^1])
        {
            case string name when parent is JsonObject obj:
                obj.Remove(name);
                break;
            case int index when parent is JsonArray array && index < array.Count:
                array.RemoveAt(index);
                break;
        }
    }

    public static string LastName(string path) => Steps(path).OfType<string>().LastOrDefault() ?? path;

    /// <summary>The steps of <paramref name="path"/>: a property name (string) or an array index (int) each.</summary>
    internal static IEnumerable<object> Steps(string path)
    {
        var text = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        foreach (var part in text.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket != 0)
            {
                yield return bracket < 0 ? part : part[..bracket];
            }

            while (bracket >= 0)
            {
                var close = part.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(part.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    yield break;
                }

                yield return index;
                bracket = part.IndexOf('[', close);
            }
        }
    }
}
