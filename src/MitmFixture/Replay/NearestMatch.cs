using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>Finds the recorded request closest to an unmatched one and says what differs, so a failing test explains itself.</summary>
internal static class NearestMatch
{
    /// <param name="failed">Flows recorded with an error and no answer: a request matching one is told the failure it was recorded with.</param>
    public static string Explain(HttpRequest request, IReadOnlyList<(Flow Flow, string? Mode)> recorded, IReadOnlyList<Flow> failed, ServerReplayOptions options, IReadOnlySet<Flow> served)
    {
        var wanted = RequestFingerprint.Of(request, options);
        if (failed.FirstOrDefault(f => RequestFingerprint.Of(f.Request, options).Key == wanted.Key) is { Error: { } error })
        {
            return $"no recorded response for {request.Method} {request.Url}: it was recorded without one, because it failed then ({error.Message}); fix that and record it again";
        }

        if (recorded.Count == 0)
        {
            return $"no recorded response for {request.Method} {request.Url}: the cassette has no flows with responses";
        }

        var best = recorded
            .Select(r => (r.Flow, r.Mode, Differences: Differences(wanted, RequestFingerprint.Of(r.Flow.Request, options), r.Flow.Request, request)))
            .OrderBy(r => r.Differences.Count)
            .ThenBy(r => served.Contains(r.Flow) ? 1 : 0)
            .First();
        var text = new StringBuilder($"no recorded response for {request.Method} {request.Url}; ");
        if (best.Differences.Count == 0)
        {
            text.Append($"the matching recording ({best.Flow.Request.Method} {best.Flow.Request.Url}) was already served");
            text.Append(options.Reuse ? "" : " (each recorded response is served once; set server_replay_reuse to serve it again)");
        }
        else
        {
            text.Append($"nearest recorded request is {best.Flow.Request.Method} {best.Flow.Request.Url}, which differs in: ");
            text.Append(string.Join("; ", best.Differences));
        }

        if (best.Mode is { } mode && mode.StartsWith("reverse:", StringComparison.Ordinal) && !string.Equals(best.Flow.Request.Host, request.Host, StringComparison.OrdinalIgnoreCase))
        {
            text.Append($". The cassette was recorded in {mode} mode: replay it in the same mode so requests are sent to that host");
        }

        return text.ToString();
    }

    private static List<string> Differences(RequestFingerprint want, RequestFingerprint have, HttpRequest recorded, HttpRequest request)
    {
        var differences = new List<string>();
        if (want.Method != have.Method)
        {
            differences.Add($"method ({request.Method} vs recorded {recorded.Method})");
        }

        if (want.Scheme != have.Scheme)
        {
            differences.Add($"scheme ({request.Scheme} vs recorded {recorded.Scheme})");
        }

        if (want.Host != have.Host)
        {
            differences.Add($"host ({request.Host} vs recorded {recorded.Host})");
        }

        if (want.Port != have.Port)
        {
            differences.Add($"port ({request.Port} vs recorded {recorded.Port})");
        }

        if (want.Path != have.Path)
        {
            differences.Add($"path ({request.PathOnly} vs recorded {recorded.PathOnly})");
        }

        var wantQuery = want.Query.ToList();
        var haveQuery = have.Query.ToList();
        foreach (var name in wantQuery.Select(p => p.Key).Concat(haveQuery.Select(p => p.Key)).Distinct(StringComparer.Ordinal))
        {
            var a = wantQuery.Where(p => p.Key == name).Select(p => p.Value).ToList();
            var b = haveQuery.Where(p => p.Key == name).Select(p => p.Value).ToList();
            if (!a.SequenceEqual(b))
            {
                differences.Add($"query parameter '{name}' ({Show(a)} vs recorded {Show(b)})");
            }
        }

        if (want.Query.Count == have.Query.Count && !want.Query.SequenceEqual(have.Query) && differences.Count == 0)
        {
            differences.Add("query parameter order");
        }

        if (want.Body != have.Body)
        {
            differences.Add($"body ({Preview(request)} vs recorded {Preview(recorded)})");
        }

        foreach (var ((name, a), (_, b)) in want.Headers.Zip(have.Headers))
        {
            if (a != b)
            {
                differences.Add($"header '{name}' ('{a}' vs recorded '{b}')");
            }
        }

        return differences;
    }

    private static string Show(List<string> values) => values.Count == 0 ? "absent" : string.Join(",", values.Select(v => $"'{v}'"));

    private static string Preview(HttpRequest request)
    {
        var text = request.Text ?? "";
        return text.Length == 0 ? "empty" : $"'{(text.Length > 60 ? text[..60] + "…" : text)}'";
    }
}
