using System.Collections.Concurrent;
using MitmFixture.Cassettes;
using MitmFixture.Replay;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// Drift mode told to accept (<see cref="FixtureOptions.AcceptDrift"/>): the cassette takes the live
/// service's answers, as <c>mitmfixture drift --update</c> does. Each drifted flow is replaced in
/// place by its live version and each live request the cassette had no recording for (and that got
/// an answer) is appended; the flows that did not drift stay byte for byte as they were, so the
/// change reviews as small as it is. The file is written atomically and redacted as a recording is.
/// </summary>
internal static class DriftRewrite
{
    /// <summary>One lock per cassette file in this process: tests sharing a cassette by name each add their rewrite to the other's.</summary>
    private static readonly ConcurrentDictionary<string, Lock> Files = new(StringComparer.Ordinal);

    /// <summary>What was rewritten, one line each (empty when nothing could be: only failed requests drifted).</summary>
    /// <exception cref="IOException">The cassette could not be read again or written.</exception>
    /// <exception cref="UnauthorizedAccessException">The cassette's folder is not writable.</exception>
    /// <param name="mode">The proxy mode the live flows went through, recorded for the appended ones; a replaced flow keeps the mode it was recorded in.</param>
    public static IReadOnlyList<string> Apply(string path, TrafficDrift drift, ServerReplayOptions replay, Redactor redactor, string mode)
    {
        var drifted = drift.Flows.Where(f => f.Verdict == DriftVerdict.Drifted).ToList();
        var answered = drift.Unrecorded.Where(u => u.Live.Response is not null && u.Live.Error is null).ToList();
        if (drifted.Count == 0 && answered.Count == 0)
        {
            return [];
        }

        lock (Files.GetOrAdd(path, _ => new Lock()))
        {
            // Read again rather than trust the copy loaded when the test started: another test on the
            // same cassette may have rewritten it since. Flows are only ever replaced in place or
            // appended, so a recording's position stays its own.
            var cassette = Cassette.Load(path);
            var flows = cassette.Flows.ToList();
            var modes = Enumerable.Range(0, flows.Count).Select(i => i < cassette.Modes.Count ? cassette.Modes[i] : null).ToList();
            var lines = new List<string>();
            foreach (var flow in drifted.Where(f => f.Index < flows.Count))
            {
                flows[flow.Index] = flow.Live;
                lines.Add($"#{flow.Index + 1} {flow.Live.Request.Method} {flow.Live.Request.Url}: {string.Join(", ", flow.Differences)} (replaced)");
            }

            // An appended request another test on this cassette appended already is not added twice.
            var present = new ReplayStore(cassette.Flows, replay with { Reuse = false }, cassette.Modes);
            foreach (var unrecorded in answered.Where(u => !present.TryTake(u.Live.Request, out _)))
            {
                flows.Add(unrecorded.Live);
                modes.Add(mode);
                lines.Add($"#{flows.Count} {unrecorded.Live.Request.Method} {unrecorded.Live.Request.Url}: not recorded before (appended)");
            }

            if (lines.Count > 0)
            {
                Cassette.SaveWithModes(path, flows, modes, redactor);
            }

            return lines;
        }
    }
}
