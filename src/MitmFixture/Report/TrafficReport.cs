using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Report;

/// <summary>
/// A traffic report: one self-contained static HTML page (style and script inline, no network at
/// view time) that lists flows, filters them with mitmproxy's expressions, and shows each one
/// (headers, bodies, WebSocket messages, timings). It opens from disk or a CI artifact. The page's
/// script renders only the rows in view, so 10,000 flows stay responsive (bench/RESULTS.md).
/// </summary>
public static class TrafficReport
{
    private static readonly Lazy<string> Template = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("MitmFixture.Report.report.html")
            ?? throw new InvalidOperationException("report template missing from the assembly"); // embedded at build
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    });

    /// <summary>
    /// The page for <paramref name="flows"/>; <paramref name="notes"/> marks flows (by index) with a
    /// highlighted remark, such as what made a test fail; <paramref name="summary"/>, when given, is
    /// shown in full above the list (a failing test's message).
    /// </summary>
    public static string Render(IReadOnlyList<Flow> flows, string title, IReadOnlyDictionary<int, string>? notes = null, string? summary = null)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var array = new JsonArray();
        for (var i = 0; i < flows.Count; i++)
        {
            array.Add(ReportData.Flow(flows[i], i, notes?.GetValueOrDefault(i)));
        }

        // The default encoder escapes <, > and &, so no body can close the script element.
        var data = new JsonObject { ["title"] = title, ["summary"] = summary, ["flows"] = array }.ToJsonString();
        // Markers are filled in the template's text only, never inside what was filled in already.
        var at = Template.Value.IndexOf("{{DATA}}", StringComparison.Ordinal);
        var encodedTitle = WebUtility.HtmlEncode(title);
        return string.Concat(
            Template.Value[..at].Replace("{{TITLE}}", encodedTitle, StringComparison.Ordinal),
            data,
            Template.Value[(at + "{{DATA}}".Length)..].Replace("{{TITLE}}", encodedTitle, StringComparison.Ordinal));
    }

    /// <summary>Writes the page to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, IReadOnlyList<Flow> flows, string title, IReadOnlyDictionary<int, string>? notes = null, string? summary = null) =>
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(Render(flows, title, notes, summary)));
}
