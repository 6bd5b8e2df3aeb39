using MitmFixture.Flows;
using MitmFixture.Replay.Drift;
using MitmFixture.Report;

namespace MitmFixture.Xunit.Session;

/// <summary>When the fixture writes a test's traffic report (a self-contained HTML page of its flows).</summary>
public enum TrafficReportPolicy
{
    /// <summary>Only for a cassette scope that fails: unmatched requests, drift, a failed recording, unused interactions.</summary>
    OnFailure,

    /// <summary>For every cassette scope, passing or failing.</summary>
    Always,

    /// <summary>Never.</summary>
    Never,
}

/// <summary>
/// Writes a test's flows as a traffic report (<see cref="TrafficReport"/>), each flow that failed
/// the test marked with why: the unmatched request's nearest recording and what differed, or its drift.
/// </summary>
internal static class FailureReport
{
    /// <summary><c>TestResults/mitmfixture/</c> beside the test project, where <c>dotnet test</c> keeps its results.</summary>
    public static string DefaultFolder() =>
        Path.Combine(Path.GetDirectoryName(CassetteNaming.DefaultFolder(AppContext.BaseDirectory))!, "TestResults", "mitmfixture"); // the recordings folder always has a parent

    /// <summary>Writes the report and returns its path, or the reason it could not be written; a report never hides the test's own failure.</summary>
    public static (string? Path, string? Error) Write(string folder, string cassettePath, string title, IReadOnlyList<Flow> flows, IReadOnlyDictionary<int, string> notes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetFullPath(folder), System.IO.Path.GetFileNameWithoutExtension(cassettePath) + ".html");
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!); // a full path has a folder
            TrafficReport.Write(path, flows, title, notes);
            return (path, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"traffic report not written to {path}: {e.Message}");
        }
    }

    /// <summary>Notes for the flows Drift mode found drifted or unrecorded, by the flow's index in the live traffic; <paramref name="rewritten"/> when the cassette took them.</summary>
    public static void AddDriftNotes(TrafficDrift drift, Dictionary<int, string> notes, bool rewritten = false)
    {
        var taken = rewritten ? " (the cassette now holds the live answer)" : "";
        foreach (var flow in drift.Unrecorded)
        {
            notes[flow.LiveIndex] = $"unrecorded{(rewritten && flow.Live.Response is not null ? " (appended to the cassette)" : "")}: {flow}";
        }

        for (var i = 0; i < drift.Flows.Count; i++)
        {
            var flow = drift.Flows[i];
            if (flow.Verdict != DriftVerdict.Same)
            {
                var kept = flow.Verdict == DriftVerdict.Drifted ? taken : "";
                notes[drift.LiveIndexes[i]] = $"{flow.Verdict.ToString().ToLowerInvariant()} from recording #{flow.Index + 1}{kept}: {string.Join(", ", flow.Differences)}\n{flow.Diff}";
            }
        }
    }
}
