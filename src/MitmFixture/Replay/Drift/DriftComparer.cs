using System.Text.Json.Nodes;
using MitmFixture.Flows;

namespace MitmFixture.Replay.Drift;

/// <summary>
/// Compares a live answer with its recording, after both went through <see cref="TrafficNormalizer"/>:
/// status code, headers (as a set: order and volatile values do not count), and bodies (JSON by
/// value with key order ignored, text as text, binary by hash). Hoverfly's diff mode compares the
/// same three parts; the scrubbing rules are the traffic snapshots' own.
/// </summary>
public static class DriftComparer
{
    /// <summary>Compares the <paramref name="live"/> answer to the <paramref name="recorded"/> one, after scrubbing both by <paramref name="options"/>.</summary>
    public static FlowDrift Compare(int index, Flow recorded, Flow live, TrafficScrubOptions options)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        if (live.Response is null || live.Error is not null)
        {
            var why = live.Error?.Message ?? "no response";
            return new FlowDrift(index, recorded, live, DriftVerdict.Failed, [why], "");
        }

        var before = Answer(recorded, options);
        var after = Answer(live, options);
        var differences = new List<string>();
        if (recorded.Response?.StatusCode != live.Response.StatusCode)
        {
            differences.Add($"status {recorded.Response?.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"} -> {live.Response.StatusCode}");
        }

        var beforeHeaders = HeaderSet(before["headers"]);
        var afterHeaders = HeaderSet(after["headers"]);
        foreach (var name in beforeHeaders.Keys.Union(afterHeaders.Keys, StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase))
        {
            var a = beforeHeaders.GetValueOrDefault(name) ?? [];
            var b = afterHeaders.GetValueOrDefault(name) ?? [];
            if (!a.SequenceEqual(b, StringComparer.Ordinal))
            {
                differences.Add($"header {name}");
            }
        }

        if (!JsonNode.DeepEquals(before["body"], after["body"]))
        {
            differences.Add("body");
        }

        if (differences.Count == 0)
        {
            return new FlowDrift(index, recorded, live, DriftVerdict.Same, [], "");
        }

        var diff = UnifiedDiff.Create(TrafficNormalizer.ToText(SortedObject(before)), TrafficNormalizer.ToText(SortedObject(after)), "recorded", "live");
        return new FlowDrift(index, recorded, live, DriftVerdict.Drifted, differences, diff);
    }

    /// <summary>The answer half of a normalised flow, headers sorted so their order does not show in the diff.</summary>
    private static JsonObject Answer(Flow flow, TrafficScrubOptions options)
    {
        var normal = TrafficNormalizer.Normalize(flow, options);
        var headers = (normal["response_headers"] as JsonArray ?? []).Select(h => h!.GetValue<string>()).Order(StringComparer.OrdinalIgnoreCase);
        return new JsonObject
        {
            ["status"] = normal["status"]?.DeepClone(),
            ["headers"] = new JsonArray(headers.Select(h => (JsonNode?)h).ToArray()),
            ["body"] = normal["response_body"]?.DeepClone(),
            ["websocket"] = normal["websocket"]?.DeepClone(),
        };
    }

    /// <summary>Header values by name (case-insensitive), in the order they came, for a set comparison.</summary>
    private static Dictionary<string, List<string>> HeaderSet(JsonNode? headers)
    {
        var set = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in (headers as JsonArray ?? []).Select(h => h!.GetValue<string>()))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].Trim();
            if (!set.TryGetValue(name, out var values))
            {
                set[name] = values = [];
            }

            values.Add(value);
        }

        return set;
    }

    private static JsonObject SortedObject(JsonObject obj) => (JsonObject)Sorted(obj)!; // an object sorts to an object

    /// <summary>A copy with every object's keys in ordinal order, so key order never shows up as a difference.</summary>
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };
}
