using System.Text;
using System.Text.Json;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// What <c>redact</c> would change, found by doing it: each flow is scrubbed as <c>redact</c> scrubs
/// it (a copy, with the secrets learned from the whole cassette), its record compared with the
/// flow's own value by value, and every value that would gain a placeholder is reported on the
/// file's line that holds it. A search by forms (<see cref="ScanLearned"/>) cannot see a secret
/// shorter than the minimum, which has no forms: it is replaced only in the field that names it
/// (<c>password=abc</c>), and an old cassette keeps it there in clear.
/// </summary>
internal static partial class SecretScanner
{
    /// <summary>
    /// The lines of <paramref name="text"/> (the file <paramref name="flows"/> were loaded from, with
    /// their <paramref name="modes"/>) that redaction with <paramref name="session"/> (<see cref="Learn(IReadOnlyList{Flow}, Redactor)"/>)
    /// would rewrite to hold a new placeholder, one finding per placeholder. A value whose path the
    /// file does not have (an older format) is reported on its nearest enclosing line that it has.
    /// A flow that cannot be read, to learn from (<paramref name="unreadable"/>, from <see cref="Learn(IReadOnlyList{Flow}, Redactor, out IReadOnlyDictionary{int, Exception})"/>)
    /// or to scrub, is reported on its first line: redact keeps it as its request line alone.
    /// </summary>
    public static IEnumerable<Finding> ScanChanges(string text, IReadOnlyList<Flow> flows, IReadOnlyList<string?> modes, RedactionSession session, IReadOnlyDictionary<int, Exception>? unreadable = null)
    {
        var changes = new List<(IReadOnlyList<string> Chain, string What)>();
        for (var i = 0; i < flows.Count; i++)
        {
            List<string> chain = [JsonLocator.Element(JsonLocator.Property("$", "flows"), i)];
            var copy = FlowCopy.Of(flows[i]);
            var failure = unreadable?.GetValueOrDefault(i); // its secrets are unknown: redact keeps none of it
            if (failure is null)
            {
                try
                {
                    if (!session.Scrub(copy))
                    {
                        continue;
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e;
                }
            }

            if (failure is not null)
            {
                // Redact keeps such a flow as its request line alone (Redactor.Redact): a change too. The
                // type alone: a message could quote the flow's content.
                changes.Add((chain, $"flow {i + 1} cannot be read to redact it ({failure.GetType().Name}); redaction would keep its request line only"));
                continue;
            }

            var mode = i < modes.Count ? modes[i] : null;
            var before = JsonSerializer.SerializeToElement(FlowMapper.ToRecord(Decompressed(flows[i]), mode), ReadableCassetteJson.Context.FlowRecord);
            var after = JsonSerializer.SerializeToElement(FlowMapper.ToRecord(Decompressed(copy), mode), ReadableCassetteJson.Context.FlowRecord);
            Compare(before, after, chain, null, changes);
        }

        if (changes.Count == 0)
        {
            yield break;
        }

        var lines = JsonLocator.LinesOf(Encoding.UTF8.GetBytes(text), changes.SelectMany(c => c.Chain).ToHashSet(StringComparer.Ordinal));
        foreach (var (chain, what) in changes)
        {
            var line = chain.Reverse().Select(path => lines.GetValueOrDefault(path)).FirstOrDefault(l => l > 0);
            yield return new Finding(line, line > 0 ? what : $"{what} (line not found)");
        }
    }

    /// <summary>
    /// <paramref name="flow"/> with each compressed gRPC message decoded as redaction reads it
    /// (<see cref="GrpcCompression"/>; the flag kept, so the record has the same paths): a placeholder
    /// redaction puts inside one is then seen, as inside an uncompressed one. One that cannot be
    /// decoded stays as it is.
    /// </summary>
    private static Flow Decompressed(Flow flow)
    {
        if (flow.Grpc is not { } grpc || !grpc.Messages.Any(m => m.Compressed))
        {
            return flow;
        }

        var copy = FlowCopy.Of(flow);
        var data = new GrpcData();
        foreach (var m in grpc.Messages)
        {
            _ = GrpcCompression.TryDecode(flow, m, out var plain, out _); // the content as it is when it cannot be decoded
            data.Add(new GrpcMessage(m.FromClient, m.Compressed, plain, m.Timestamp));
        }

        copy.Grpc = data;
        return copy;
    }

    /// <summary>
    /// Walks a flow's record before and after redaction side by side and notes, at the path of each
    /// value that differs (the chain of paths from the root down to it), every placeholder it gains.
    /// A property that redaction replaces by another is noted at the one it replaces (but an embedded
    /// JSON body that becomes text is compared as JSON, value by value). A value that changes without gaining a placeholder (a note redaction adds
    /// about a message it could not decode) hides no secret and is left out.
    /// </summary>
    private static void Compare(JsonElement before, JsonElement after, List<string> chain, string? name, List<(IReadOnlyList<string> Chain, string What)> changes)
    {
        if (before.ValueKind == JsonValueKind.Object && after.ValueKind == JsonValueKind.Object)
        {
            // A JSON body the file embeds becomes text once it holds a placeholder (the body codec embeds
            // only what reads back to the same bytes, and its writer escapes <): compared as the JSON it
            // still is, so a finding is on the line of the field that changes, not on the body's first.
            var reembedded = before.TryGetProperty("json", out var embedded) && !after.TryGetProperty("json", out _)
                && after.TryGetProperty("text", out var stored) && !before.TryGetProperty("text", out _) && Parse(stored) is { } reparsed
                ? reparsed : (JsonElement?)null;
            if (reembedded is { } json)
            {
                Compare(embedded, json, [.. chain, JsonLocator.Property(chain[^1], "json")], "json", changes);
            }

            string? replaced = null; // a property only before: the first such is where an after-only one stands
            foreach (var property in before.EnumerateObject().Where(p => reembedded is null || p.Name != "json"))
            {
                if (after.TryGetProperty(property.Name, out var value))
                {
                    Compare(property.Value, value, [.. chain, JsonLocator.Property(chain[^1], property.Name)], property.Name, changes);
                }
                else
                {
                    replaced ??= property.Name;
                }
            }

            foreach (var property in after.EnumerateObject().Where(p => !before.TryGetProperty(p.Name, out _) && (reembedded is null || p.Name != "text")))
            {
                Note(default, property.Value, property.Name, replaced is null ? chain : [.. chain, JsonLocator.Property(chain[^1], replaced)], changes);
            }

            return;
        }

        if (before.ValueKind == JsonValueKind.Array && after.ValueKind == JsonValueKind.Array && before.GetArrayLength() == after.GetArrayLength())
        {
            for (var i = 0; i < before.GetArrayLength(); i++)
            {
                Compare(before[i], after[i], [.. chain, JsonLocator.Element(chain[^1], i)], null, changes);
            }

            return;
        }

        if (before.ValueKind != after.ValueKind || before.GetRawText() != after.GetRawText())
        {
            Note(before, after, name, chain, changes);
        }
    }

    /// <summary>
    /// Notes each placeholder <paramref name="after"/> holds more often than <paramref name="before"/>
    /// does (<c>a=&lt;P&gt;&amp;b=x</c> becoming <c>a=&lt;P&gt;&amp;b=&lt;P&gt;</c> gains one), once; before is <c>default</c> for a value that is new.
    /// </summary>
    private static void Note(JsonElement before, JsonElement after, string? name, List<string> chain, List<(IReadOnlyList<string> Chain, string What)> changes)
    {
        var had = Placeholders(before, name).CountBy(p => p).ToDictionary(StringComparer.Ordinal);
        var gained = new List<string>();
        foreach (var placeholder in Placeholders(after, name))
        {
            if (had.TryGetValue(placeholder, out var count) && count > 0)
            {
                had[placeholder] = count - 1;
            }
            else if (!gained.Contains(placeholder, StringComparer.Ordinal))
            {
                gained.Add(placeholder);
            }
        }

        changes.AddRange(gained.Select(placeholder => ((IReadOnlyList<string>)chain, Replaces + placeholder)));
    }

    /// <summary>A body's text read as JSON, or null when it is not JSON.</summary>
    private static JsonElement? Parse(JsonElement text)
    {
        try
        {
            using var document = JsonDocument.Parse(text.GetString() ?? "");
            return document.RootElement.Clone();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// The placeholders in a value as a reader of the file sees them: a string unescaped, the bytes
    /// under a <c>base64</c> property decoded (a binary body or message redacted byte for byte).
    /// </summary>
    private static IEnumerable<string> Placeholders(JsonElement value, string? name)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Undefined => "",
            JsonValueKind.String when name == "base64" && value.TryGetBytesFromBase64(out var bytes) => Encoding.Latin1.GetString(bytes),
            JsonValueKind.String => value.GetString()!, // a string's value is never null
            _ => value.GetRawText(),
        };
        return RedactionPlaceholder.FindAll(text).Select(p => RedactionPlaceholder.Format(p.Kind, p.Ordinal));
    }
}
