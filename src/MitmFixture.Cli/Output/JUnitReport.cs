using System.Globalization;
using System.Xml.Linq;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Cli.Output;

/// <summary>
/// The drift check as JUnit XML, the format CI systems (GitLab, Jenkins, GitHub test reporters)
/// show natively: one test suite per cassette, one test case per flow; a drifted flow is a
/// <c>failure</c> carrying its diff, a flow without a live answer an <c>error</c>.
/// </summary>
internal static class JUnitReport
{
    public static XDocument Create(IReadOnlyList<(string Cassette, IReadOnlyList<FlowDrift> Flows)> suites, TimeSpan elapsed)
    {
        var root = new XElement("testsuites",
            new XAttribute("name", "mitmfixture drift"),
            new XAttribute("tests", suites.Sum(s => s.Flows.Count)),
            new XAttribute("failures", suites.Sum(s => s.Flows.Count(f => f.Verdict == DriftVerdict.Drifted))),
            new XAttribute("errors", suites.Sum(s => s.Flows.Count(f => f.Verdict == DriftVerdict.Failed))),
            new XAttribute("time", Seconds(elapsed)));
        foreach (var (cassette, flows) in suites)
        {
            var suite = new XElement("testsuite",
                new XAttribute("name", cassette),
                new XAttribute("tests", flows.Count),
                new XAttribute("failures", flows.Count(f => f.Verdict == DriftVerdict.Drifted)),
                new XAttribute("errors", flows.Count(f => f.Verdict == DriftVerdict.Failed)));
            foreach (var flow in flows)
            {
                var testCase = new XElement("testcase",
                    new XAttribute("classname", cassette),
                    new XAttribute("name", $"#{flow.Index + 1} {flow.Recorded.Request.Method} {flow.Recorded.Request.Url}"),
                    new XAttribute("time", Seconds(Duration(flow))));
                if (flow.Verdict == DriftVerdict.Drifted)
                {
                    testCase.Add(new XElement("failure", new XAttribute("message", "drifted: " + string.Join(", ", flow.Differences)), new XAttribute("type", "drift"), Clean(flow.Diff)));
                }
                else if (flow.Verdict == DriftVerdict.Failed)
                {
                    testCase.Add(new XElement("error", new XAttribute("message", Clean(string.Join(", ", flow.Differences))), new XAttribute("type", "request-failed")));
                }

                suite.Add(testCase);
            }

            root.Add(suite);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    private static TimeSpan Duration(FlowDrift flow) =>
        flow.Live.Response?.TimestampEnd is { } end && flow.Live.Request.TimestampStart is { } start && end > start ? end - start : TimeSpan.Zero;

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>XML 1.0 cannot carry most control characters, even escaped; a body's stray byte must not make the report unreadable.</summary>
    private static string Clean(string text) => string.Concat(text.Select(c => c is '\t' or '\n' or '\r' || c >= ' ' && c is not '\uFFFE' and not '\uFFFF' ? c : '\uFFFD'));
}
