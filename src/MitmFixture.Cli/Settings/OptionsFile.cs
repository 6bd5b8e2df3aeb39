using System.Text.Json;

namespace MitmFixture.Cli.Settings;

/// <summary>
/// <c>--options FILE</c>: a JSON object of mitmproxy option names for long configurations, e.g.
/// <c>{"mode": "reverse:https://api.example.com", "anticache": true, "modify_headers": ["/~q/X-Test/1"]}</c>.
/// Command-line flags are added to what the file says.
/// </summary>
internal sealed record OptionsFile
{
    public string? Mode { get; init; }

    public string? Listen { get; init; }

    public List<string> Sets { get; init; } = [];

    public bool Anticache { get; init; }

    public bool Anticomp { get; init; }

    public string? ProxyAuth { get; init; }

    public List<string> ModifyHeaders { get; init; } = [];

    public List<string> ModifyBody { get; init; } = [];

    public List<string> MapRemote { get; init; } = [];

    public string? StickyCookie { get; init; }

    public string? StickyAuth { get; init; }

    public static OptionsFile Load(string path, List<string> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"--options {path}: cannot read it: {e.Message}");
            return new OptionsFile();
        }
        catch (JsonException e)
        {
            errors.Add($"--options {path}:{(e.LineNumber ?? 0) + 1}: expected a JSON object of option names: {e.Message.Split(" Path:")[0]}");
            return new OptionsFile();
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"--options {path}: expected a JSON object of option names");
                return new OptionsFile();
            }

            var file = new OptionsFile();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var where = $"--options {path}: \"{property.Name}\"";
                file = property.Name switch
                {
                    "mode" => file with { Mode = Text(property, where, errors) },
                    "listen" => file with { Listen = Text(property, where, errors) },
                    "anticache" => file with { Anticache = Flag(property, where, errors) },
                    "anticomp" => file with { Anticomp = Flag(property, where, errors) },
                    "proxyauth" => file with { ProxyAuth = Text(property, where, errors) },
                    "modify_headers" or "setheaders" => file with { ModifyHeaders = [.. file.ModifyHeaders, .. List(property, where, errors)] },
                    "modify_body" or "replacements" => file with { ModifyBody = [.. file.ModifyBody, .. List(property, where, errors)] },
                    "map_remote" => file with { MapRemote = [.. file.MapRemote, .. List(property, where, errors)] },
                    "stickycookie" => file with { StickyCookie = Text(property, where, errors) },
                    "stickyauth" => file with { StickyAuth = Text(property, where, errors) },
                    _ when ProxySettings.Known.ContainsKey(property.Name) => file with { Sets = [.. file.Sets, .. List(property, where, errors).Select(v => $"{property.Name}={v}")] },
                    _ => Unknown(file, where, errors),
                };
            }

            return file;
        }
    }

    private static OptionsFile Unknown(OptionsFile file, string where, List<string> errors)
    {
        errors.Add($"{where}: unknown option; known: mode, listen, anticache, anticomp, proxyauth, modify_headers, modify_body, map_remote, stickycookie, stickyauth, {string.Join(", ", ProxySettings.Known.Keys)}");
        return file;
    }

    private static string? Text(JsonProperty property, string where, List<string> errors)
    {
        if (property.Value.ValueKind == JsonValueKind.String)
        {
            return property.Value.GetString();
        }

        errors.Add($"{where}: expected a string");
        return null;
    }

    private static bool Flag(JsonProperty property, string where, List<string> errors)
    {
        if (property.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return property.Value.GetBoolean();
        }

        errors.Add($"{where}: expected true or false");
        return false;
    }

    private static List<string> List(JsonProperty property, string where, List<string> errors) => property.Value.ValueKind switch
    {
        JsonValueKind.String => [property.Value.GetString()!], // a string value has text
        JsonValueKind.True or JsonValueKind.False => [property.Value.GetBoolean() ? "true" : "false"],
        JsonValueKind.Number => [property.Value.GetRawText()],
        JsonValueKind.Array when property.Value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) => property.Value.EnumerateArray().Select(v => v.GetString()!).ToList(),
        _ => Fail(where, errors),
    };

    private static List<string> Fail(string where, List<string> errors)
    {
        errors.Add($"{where}: expected a string, a number, true/false or a list of strings");
        return [];
    }
}
