using System.Text.Json;

namespace MitmFixture.Cassettes;

/// <summary>Finds the line of a JSON path (<c>$.flows[0].request.headers[2]</c>) in a document, for error messages and <c>scan</c>'s findings.</summary>
internal static class JsonLocator
{
    /// <summary>The 1-based line where the value at <paramref name="path"/> starts, or null when the path is not in the document.</summary>
    public static int? LineOf(ReadOnlySpan<byte> json, string path) =>
        LinesOf(json, new HashSet<string>(StringComparer.Ordinal) { path }).TryGetValue(path, out var line) ? line : null;

    /// <summary>The path of property <paramref name="name"/> under <paramref name="parent"/> as <see cref="LinesOf"/> reads paths: <c>.name</c>, or <c>["a.b"]</c> for a name that is not a plain word, so no two places share one.</summary>
    public static string Property(string parent, string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? $"{parent}.{name}"
            : $"{parent}[\"{JsonEncodedText.Encode(name)}\"]";

    /// <summary>The path of element <paramref name="index"/> of the array at <paramref name="parent"/>.</summary>
    public static string Element(string parent, int index) => $"{parent}[{index}]";

    /// <summary>
    /// The 1-based line where each of <paramref name="paths"/> (built with <see cref="Property"/> and
    /// <see cref="Element"/> from <c>$</c>) starts, in one pass over the document; a path not in it has no entry.
    /// </summary>
    public static Dictionary<string, int> LinesOf(ReadOnlySpan<byte> json, IReadOnlySet<string> paths)
    {
        var lines = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 1;
        var counted = 0; // the offset up to which line ends are counted in line
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var containers = new Stack<(string Path, bool IsArray, int Index)>();
            string? property = null;
            while (reader.Read() && lines.Count < paths.Count)
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        continue;
                }

                var here = "$";
                if (containers.Count > 0)
                {
                    var parent = containers.Pop();
                    if (parent.IsArray)
                    {
                        parent.Index++;
                    }

                    here = parent.IsArray ? Element(parent.Path, parent.Index) : Property(parent.Path, property ?? "");
                    containers.Push(parent);
                }

                if (paths.Contains(here))
                {
                    var start = (int)reader.TokenStartIndex;
                    line += json[counted..start].Count((byte)'\n');
                    counted = start;
                    lines.TryAdd(here, line);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    containers.Push((here, reader.TokenType == JsonTokenType.StartArray, -1));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // A document the serializer accepted parses here too; if not, what was found so far is returned.
        }

        return lines;
    }
}
