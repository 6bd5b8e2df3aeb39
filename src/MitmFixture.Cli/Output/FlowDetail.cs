using System.Text;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cli.Output;

/// <summary>
/// mitmdump's --flow-detail levels: 1 the flow line, 2 with the connections (one line per side and
/// one for the server's certificate) and headers, 3 with bodies (and WebSocket
/// messages) cut at <see cref="ShortBodyLines"/> lines, 4 with whole bodies. Bodies go through the
/// content views (mitmproxy's dumper uses the "auto" view), and everything taken from the flow is
/// escaped on its way out: a server must not be able to drive the user's terminal (ESC, CSI, BEL,
/// CR, backspace) with a body, a header or a reason phrase.
/// </summary>
internal static class FlowDetail
{
    /// <summary>mitmproxy's dumper echoes 70 lines of a body at flow_detail 3 (addons/dumper.py).</summary>
    public const int ShortBodyLines = 70;

    /// <summary>At level 4 bodies are whole, but the console's bound on what a view lays out still holds.</summary>
    private const int WholeBodyLines = 1_000_000;

    public static string Format(Flow flow, int level)
    {
        var line = FlowLine.Format(flow);
        if (level <= 1)
        {
            return line;
        }

        var text = new StringBuilder(line).Append('\n');
        AppendConnections(text, flow);
        Append(text, ">> ", flow.Request, level);
        if (flow.Response is { } response)
        {
            Append(text, "<< ", response, level);
        }

        if (level >= 3 && flow.WebSocket is { } webSocket)
        {
            AppendMessages(text, webSocket.Messages, level);
        }

        return text.ToString().TrimEnd('\n');
    }

    /// <summary>The console's Connection tab in short: timings are left to the console and HAR export.</summary>
    private static void AppendConnections(StringBuilder text, Flow flow)
    {
        foreach (var section in ConnectionDetail.Sections(flow).Where(s => s.Title != ConnectionDetail.TimingTitle && s.Fields.Count > 0))
        {
            text.Append("    ").Append(section.Title).Append(": ")
                .AppendJoin("; ", section.Fields.Select(f => f.Label + " " + f.Value)).Append('\n');
        }
    }

    private static void Append(StringBuilder text, string prefix, HttpMessage message, int level)
    {
        foreach (var field in message.Headers)
        {
            text.Append("    ").Append(prefix).Append(DisplayText.Sanitize(field.Name)).Append(": ").Append(DisplayText.Sanitize(field.Value)).Append('\n');
        }

        if (level < 3 || message.Body is { Length: 0 })
        {
            return;
        }

        var view = ContentViewer.Render(message, ViewMode.Pretty, level == 3 ? ShortBodyLines : WholeBodyLines);
        text.Append("    ").Append(view.Description).Append('\n'); // the view sanitizes its description and lines
        foreach (var bodyLine in view.Lines)
        {
            text.Append("    ").Append(bodyLine).Append('\n');
        }
    }

    private static void AppendMessages(StringBuilder text, IReadOnlyList<WebSocketMessage> messages, int level)
    {
        var shown = level == 3 ? Math.Min(messages.Count, ShortBodyLines) : messages.Count;
        for (var i = 0; i < shown; i++)
        {
            var message = messages[i];
            var content = message.IsText ? DisplayText.Sanitize(message.Text) : Convert.ToHexString(message.Content);
            text.Append("    ").Append(message.FromClient ? "ws >> " : "ws << ").Append(content).Append('\n');
        }

        if (shown < messages.Count)
        {
            text.Append("    … ").Append(messages.Count - shown).Append(" more WebSocket messages\n");
        }
    }
}
