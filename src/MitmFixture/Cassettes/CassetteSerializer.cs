using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>Reads and writes the cassette JSON, version checks and migrations included.</summary>
internal static class CassetteSerializer
{
    private static readonly byte[] Indent = "    "u8.ToArray();

    public static CassetteFile Deserialize(byte[] bytes, string path)
    {
        var version = ReadVersion(bytes, path);
        if (version > Cassette.CurrentVersion)
        {
            throw new CassetteFormatException($"{path}: $.version", $"format version {version} was written by a newer MitmFixture; this one reads versions up to {Cassette.CurrentVersion}");
        }

        if (version < 1)
        {
            throw new CassetteFormatException($"{path}: $.version", $"expected a format version of 1 or more, got {version}");
        }

        try
        {
            if (version < Cassette.CurrentVersion && CassetteMigrations.ChangesContent(version))
            {
                var node = JsonNode.Parse(bytes) ?? throw new CassetteFormatException(path, "expected a JSON object");
                bytes = JsonSerializer.SerializeToUtf8Bytes(CassetteMigrations.Migrate(node.AsObject(), version, path), CassetteNodeContext.Default.JsonObject);
            }

            return JsonSerializer.Deserialize(bytes, CassetteJsonContext.Default.CassetteFile)
                ?? throw new CassetteFormatException(path, "expected a JSON object with \"version\" and \"flows\"");
        }
        catch (JsonException e)
        {
            throw Describe(e, path);
        }
    }

    /// <summary>One flow as indented JSON, indented one level further to sit inside the "flows" array.</summary>
    public static byte[] SerializeFlow(FlowRecord record)
    {
        using var output = new IndentingBufferWriter(Indent);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = ReadableCassetteJson.Context.Options.Encoder }))
        {
            JsonSerializer.Serialize(writer, record, ReadableCassetteJson.Context.FlowRecord);
        }

        return output.ToArray();
    }

    /// <summary>The whole file: the version, then the flows one after another, LF line ends.</summary>
    public static byte[] Compose(IReadOnlyList<byte[]> flows)
    {
        using var output = new MemoryStream();
        WriteComposed(output, flows);
        return output.ToArray();
    }

    /// <summary>Writes what <see cref="Compose"/> returns into <paramref name="output"/>, fragment by fragment.</summary>
    public static void WriteComposed(Stream output, IReadOnlyList<byte[]> flows)
    {
        output.Write(Encoding.UTF8.GetBytes($"{{\n  \"version\": {Cassette.CurrentVersion},\n  \"flows\": ["));
        for (var i = 0; i < flows.Count; i++)
        {
            output.Write(i == 0 ? "\n"u8 : ",\n"u8);
            output.Write(flows[i]);
        }

        output.Write(flows.Count == 0 ? "]\n}\n"u8 : "\n  ]\n}\n"u8);
    }

    private static int ReadVersion(byte[] bytes, string path)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new CassetteFormatException($"{path}:1", "expected a JSON object with \"version\" and \"flows\" (is this a cassette?)");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isVersion = reader.ValueTextEquals("version"u8);
                    reader.Read();
                    if (isVersion)
                    {
                        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var version)
                            ? version
                            : throw new CassetteFormatException($"{path}: $.version", "expected an integer format version");
                    }

                    reader.Skip();
                }
            }

            throw new CassetteFormatException($"{path}: $", "expected a \"version\" property (is this a cassette?)");
        }
        catch (JsonException e)
        {
            throw Describe(e, path);
        }
    }

    private static CassetteFormatException Describe(JsonException e, string path)
    {
        var line = e.LineNumber is { } l ? $":{l + 1}" : "";
        var where = string.IsNullOrEmpty(e.Path) ? "" : $" at {e.Path}";
        // Bytes are read by the serializer from base64; its message would name a .NET type instead.
        var message = e.Path?.EndsWith(".base64", StringComparison.Ordinal) == true ? "expected base64 text" : Plain(e);
        return new CassetteFormatException($"{path}{line}{where}", message, e);
    }

    /// <summary>
    /// A serializer error in the words of the file, not of .NET: "could not be converted to
    /// MitmFixture.Cassettes.ResponseRecord" (the source-generated reader names the record that holds
    /// the bad value) says what the property at <see cref="JsonException.Path"/> expects, and the
    /// serializer's position suffixes are cut (the caller names file, line and path).
    /// </summary>
    internal static string Plain(JsonException e)
    {
        // A value the reader could not take as a string: the serializer's own message names a .NET
        // type, and the property table below guesses from where the value sits ("expected an object"
        // for a header line, an array element), so the reader's reason is put in the file's words first.
        if (e.InnerException is InvalidOperationException problem)
        {
            if (problem.InnerException is DecoderFallbackException)
            {
                return "expected UTF-8 text";
            }

            if (problem.Message.Contains("UTF-16", StringComparison.Ordinal))
            {
                return "expected text (an escape is not valid UTF-16: \\uD800 to \\uDFFF come in pairs, high then low)";
            }

            // A number where a header line or a name belongs (a date's converter says the same, and its
            // property is named below, so only an array element is taken here).
            if (problem.Message.Contains("as a string", StringComparison.Ordinal) && e.Path?.EndsWith(']') == true)
            {
                return "expected a string";
            }
        }

        var message = e.Message;
        foreach (var tail in (string[])[" Path:", " LineNumber:", " Consider updating", " Change the reader options"])
        {
            var cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        if (!message.StartsWith("The JSON value could not be converted to ", StringComparison.Ordinal))
        {
            return message;
        }

        var property = e.Path is { } path ? path[(path.LastIndexOfAny(['.', '[']) + 1)..].TrimEnd(']') : "";
        if (e.Path == "$.log.version")
        {
            return "expected a string"; // a HAR's format version is "1.2"; a cassette's is a whole number
        }

        return "expected " + (property switch
        {
            "port" or "status_code" or "status" or "version" or "close_code" or "size" or "bodySize" or "headersSize" => "a whole number",
            "time" or "opcode" or "blocked" or "dns" or "connect" or "ssl" or "send" or "wait" or "receive" => "a number", // a HAR's times and timings
            "streamed" or "encoded" or "from_client" or "closed_by_client" or "compressed" or "injected" => "true or false",
            _ when property.StartsWith("timestamp", StringComparison.Ordinal) || property is "startedDateTime" or "not_before" or "not_after" => "a date and time such as \"2026-01-01T00:00:00Z\"",
            "headers" or "trailers" or "flows" or "messages" or "entries" or "cookies" or "queryString" or "_webSocketMessages" => "an array",
            "request" or "response" or "body" or "connection" or "client" or "server" or "certificate" or "web_socket" or "grpc" or "error" or "metadata" or "log" or "content" or "postData" or "timings" or "creator" => "an object",
            "$" => "an object", // the whole file: a cassette or a HAR
            _ when property.All(char.IsAsciiDigit) => "an object", // an array element: a flow, entry or message
            _ => "a string",
        });
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class CassetteNodeContext : System.Text.Json.Serialization.JsonSerializerContext;
