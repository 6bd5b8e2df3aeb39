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

    /// <summary>
    /// The report's file name: the test's name (class, method, theory arguments) and its cassette's,
    /// sanitised as cassette names are (<see cref="CassetteNaming.FileNameFor"/>), so tests sharing one
    /// cassette each keep their own report; just the cassette's when it is named after the test, or
    /// when no test is known.
    /// </summary>
    public static string FileName(string? testName, string cassettePath)
    {
        var cassette = System.IO.Path.GetFileNameWithoutExtension(cassettePath);
        var test = testName is null ? null : CassetteNaming.FileNameFor(testName)[..^".json".Length];
        var stem = test is null || test == cassette ? cassette : CassetteNaming.FileNameFor($"{testName}--{cassette}")[..^".json".Length];
        return stem + ".html";
    }

    /// <summary>Writes the report as <paramref name="fileName"/> in <paramref name="folder"/> and returns its path, or the reason it could not be written; a report never hides the test's own failure.</summary>
    public static (string? Path, string? Error) Write(string folder, string fileName, string title, IReadOnlyList<Flow> flows, IReadOnlyDictionary<int, string> notes, string? summary)
    {
        string path;
        try
        {
            path = System.IO.Path.Combine(System.IO.Path.GetFullPath(folder), fileName);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return (null, $"traffic report not written to {folder}: {e.Message}");
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!); // a full path has a folder
            TrafficReport.Write(path, flows, title, notes, summary);
            return (path, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not only I/O: whatever goes wrong with the report (a flow an addon broke), the test's own failure is what it shows.
            return (null, $"traffic report not written to {path}: {(e is IOException or UnauthorizedAccessException ? "" : e.GetType().Name + ": ")}{e.Message}");
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
