using System.Text.Json;

namespace MitmFixture.Cassettes;

/// <summary>Finds the line of a JSON path (<c>$.flows[0].request.headers[2]</c>) in a document, for error messages.</summary>
internal static class JsonLocator
{
    /// <summary>The 1-based line where the value at <paramref name="path"/> starts, or null when the path is not in the document.</summary>
    public static int? LineOf(ReadOnlySpan<byte> json, string path)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var containers = new Stack<(string Path, bool IsArray, int Index)>();
            string? property = null;
            while (reader.Read())
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

                string here;
                if (containers.Count == 0)
                {
                    here = "$";
                }
                else
                {
                    var parent = containers.Pop();
                    if (parent.IsArray)
                    {
                        parent.Index++;
                        here = $"{parent.Path}[{parent.Index}]";
                    }
                    else
                    {
                        here = $"{parent.Path}.{property}";
                    }

                    containers.Push(parent);
                }

                if (here == path)
                {
                    return 1 + json[..(int)reader.TokenStartIndex].Count((byte)'\n');
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    containers.Push((here, reader.TokenType == JsonTokenType.StartArray, -1));
                }
            }
        }
        catch (JsonException)
        {
            // A document the serializer accepted parses here too; if not, the message goes without a line.
        }

        return null;
    }
}
