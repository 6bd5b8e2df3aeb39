using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// Snapshot verification of a test's traffic, following Verify's file conventions:
/// <c>Name.received.json</c> is written every run, compared with <c>Name.verified.json</c>; a
/// difference fails with a unified diff, and accepting it means renaming received to verified.
/// </summary>
public static partial class TrafficSnapshot
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Verifies <paramref name="flows"/>; on a difference <paramref name="openDiff"/>, when given, is
    /// called with the received and verified paths (to open a diff tool) before the failure is thrown.
    /// </summary>
    public static async Task VerifyAsync(IReadOnlyList<Flow> flows, string folder, string name, SnapshotOptions options, bool accept, Func<string, string, Task>? openDiff = null)
    {
        Directory.CreateDirectory(folder);
        var stem = CassetteNaming.FileNameFor(name)[..^".json".Length];
        var received = Path.Combine(folder, stem + ".received.json");
        var verified = Path.Combine(folder, stem + ".verified.json");
        var text = Render(flows, options);
        if (accept)
        {
            await File.WriteAllTextAsync(verified, text);
            File.Delete(received);
            return;
        }

        if (File.Exists(verified) && (await File.ReadAllTextAsync(verified)).ReplaceLineEndings("\n") == text)
        {
            File.Delete(received);
            return;
        }

        await File.WriteAllTextAsync(received, text);
        if (!File.Exists(verified))
        {
            throw new SnapshotMismatchException($"no verified snapshot yet: review {received} and rename it to {Path.GetFileName(verified)} (or run with MITMFIXTURE_ACCEPT=1)");
        }

        if (openDiff is not null)
        {
            await openDiff(received, verified);
        }

        var diff = UnifiedDiff.Create((await File.ReadAllTextAsync(verified)).ReplaceLineEndings("\n"), text, Path.GetFileName(verified), Path.GetFileName(received));
        throw new SnapshotMismatchException($"traffic differs from {verified}:\n{diff}\nIf the change is intended, rename {Path.GetFileName(received)} to {Path.GetFileName(verified)} (or run with MITMFIXTURE_ACCEPT=1).");
    }

    /// <summary>The normalised traffic: stable placeholders for volatile values, bodies pretty-printed.</summary>
    public static string Render(IReadOnlyList<Flow> flows, SnapshotOptions options)
    {
        var array = new JsonArray();
        foreach (var flow in flows)
        {
            var entry = new JsonObject
            {
                ["request"] = $"{flow.Request.Method} {flow.Request.Url}",
                ["request_headers"] = Headers(flow.Request.Headers, options),
            };
            if (Body(flow.Request, options) is { } requestBody)
            {
                entry["request_body"] = requestBody;
            }

            if (flow.Response is { } response)
            {
                entry["status"] = $"{response.StatusCode} {response.Reason}";
                entry["response_headers"] = Headers(response.Headers, options);
                if (Body(response, options) is { } responseBody)
                {
                    entry["response_body"] = responseBody;
                }
            }

            if (flow.Error is { } error)
            {
                entry["error"] = error.Message;
            }

            if (flow.WebSocket is { } ws)
            {
                entry["websocket"] = new JsonArray(ws.Messages.Select(m => (JsonNode?)$"{(m.FromClient ? "client" : "server")}: {(m.IsText ? m.Text : Convert.ToBase64String(m.Content))}").ToArray());
            }

            array.Add(entry);
        }

        return array.ToJsonString(Indented) + "\n";
    }

    private static JsonArray Headers(HttpHeaders headers, SnapshotOptions options)
    {
        var lines = new JsonArray();
        foreach (var field in headers)
        {
            if (options.IgnoreHeaders.Contains(field.Name, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = options.ScrubHeaders.Contains(field.Name, StringComparer.OrdinalIgnoreCase) ? $"<{field.Name.ToLowerInvariant()}>" : field.Value;
            if (field.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                value = Boundary().Replace(value, "boundary=<boundary>");
            }

            lines.Add($"{field.Name}: {value}");
        }

        return lines;
    }

    private static JsonNode? Body(HttpMessage message, SnapshotOptions options)
    {
        if (message.Body is null)
        {
            return message.Stream ? "<streamed>" : null;
        }

        var bytes = message.DecodedBody ?? [];
        if (bytes.Length == 0)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return $"<{bytes.Length} bytes, sha256 {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}>";
        }

        if (message.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
        {
            try
            {
                var node = JsonNode.Parse(text);
                foreach (var path in options.ScrubJsonFields)
                {
                    Scrub(node, path);
                }

                return node;
            }
            catch (JsonException)
            {
                // Not JSON after all: keep the text.
            }
        }

        if (message.ContentType?.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) == true &&
            Boundary().Match(message.ContentType) is { Success: true } boundary)
        {
            text = text.Replace(boundary.Groups[1].Value.Trim('"'), "<boundary>", StringComparison.Ordinal);
        }

        return text;
    }

    private static void Scrub(JsonNode? root, string path)
    {
        var parts = path.TrimStart('$', '.').Split('.');
        var node = root;
        for (var i = 0; i < parts.Length - 1 && node is JsonObject obj; i++)
        {
            node = obj[parts[i]];
        }

        if (node is JsonObject parent && parent.ContainsKey(parts[^1]))
        {
            parent[parts[^1]] = $"<{parts[^1]}>";
        }
    }

    [GeneratedRegex("boundary=(\"[^\"]*\"|[^;\\s]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Boundary();
}
