using MitmFixture.Cli.Output;
using MitmFixture.Http;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>
/// The flow view: summary, Request/Response/Connection tabs with the view mode, then the start
/// line, headers and body (or the connection details), scrolled.
/// </summary>
internal static class FlowDetailView
{
    public static IEnumerable<ScreenLine> Build(FlowViewScreen view, int width, int height)
    {
        var flow = view.Flow;
        yield return FlowRow.Build(flow, width, focused: false);
        yield return Tabs(view);
        var content = Content(view);
        view.Scroll = Math.Clamp(view.Scroll, 0, Math.Max(0, content.Count - (height - 2)));
        foreach (var line in content.Skip(view.Scroll).Take(height - 2))
        {
            yield return line;
        }
    }

    private static ScreenLine Tabs(FlowViewScreen view)
    {
        var line = new ScreenLine();
        line.Add(" Request ", view.Tab == FlowTab.Request ? Palette.TabActive : Palette.Dim);
        line.Add(" ");
        line.Add(" Response ", view.Tab == FlowTab.Response ? Palette.TabActive : Palette.Dim);
        line.Add(" ");
        line.Add(" Connection ", view.Tab == FlowTab.Connection ? Palette.TabActive : Palette.Dim);
        if (view.Flow.Intercepted)
        {
            line.Add("  ⏸ intercepted: a accepts, x kills", Palette.Intercepted);
        }

        line.Add($"  [m:{view.Mode.ToString().ToLowerInvariant()}]", Palette.Dim);
        return line;
    }

    private static List<ScreenLine> Content(FlowViewScreen view)
    {
        var lines = new List<ScreenLine>();
        var flow = view.Flow;
        if (view.Tab == FlowTab.Connection)
        {
            return Connection(flow);
        }

        if (view.Message is not { } message)
        {
            lines.Add(flow.Error is { } error
                ? ScreenLine.Of("Error: " + error.Message, Palette.Error)
                : ScreenLine.Of(flow.Intercepted ? "The request is paused; the response comes after it is accepted (a)." : "No response yet.", Palette.Dim));
            return lines;
        }

        lines.Add(message is HttpRequest request
            ? new ScreenLine().Add(request.Method, Palette.Method).Add(" " + request.Url + " " + request.HttpVersion)
            : ScreenLine.Of($"{message.HttpVersion} {((HttpResponse)message).StatusCode} {((HttpResponse)message).Reason}", Palette.ForStatus(((HttpResponse)message).StatusCode)));
        foreach (var header in message.Headers)
        {
            lines.Add(new ScreenLine().Add(header.Name, Palette.HeaderName).Add(": " + header.Value));
        }

        lines.Add(new ScreenLine());
        var body = view.RenderBody(message);
        lines.Add(ScreenLine.Of($"── {body.Description} ──", Palette.Dim));
        lines.AddRange(body.Lines.Select(l => ScreenLine.Of(l)));
        AddTrailers(lines, message);
        if (flow.WebSocket is { } websocket && view.Tab == FlowTab.Response)
        {
            AddWebSocket(lines, websocket);
        }

        if (flow.Error is { } failure && view.Tab == FlowTab.Response)
        {
            lines.Add(ScreenLine.Of("Error: " + failure.Message, Palette.Error));
        }

        return lines;
    }

    /// <summary>Trailer fields after the body (gRPC's grpc-status, a checksum), as they came in the final HEADERS frame or chunked trailer.</summary>
    private static void AddTrailers(List<ScreenLine> lines, HttpMessage message)
    {
        if (message.Trailers is not { Count: > 0 } trailers)
        {
            return;
        }

        lines.Add(new ScreenLine());
        lines.Add(ScreenLine.Of($"── trailers: {trailers.Count} ──", Palette.Dim));
        foreach (var field in trailers)
        {
            lines.Add(new ScreenLine().Add(field.Name, Palette.HeaderName).Add(": " + field.Value));
        }
    }

    /// <summary>Each side's section, one field a line, as mitmproxy's Detail tab; values arrive escaped from <see cref="ConnectionDetail"/>.</summary>
    private static List<ScreenLine> Connection(Flows.Flow flow)
    {
        var lines = new List<ScreenLine>();
        foreach (var section in ConnectionDetail.Sections(flow))
        {
            if (lines.Count > 0)
            {
                lines.Add(new ScreenLine());
            }

            lines.Add(ScreenLine.Of($"── {section.Title} ──", Palette.Dim));
            if (section.Fields.Count == 0)
            {
                lines.Add(ScreenLine.Of("(not recorded)", Palette.Dim));
            }

            var width = section.Fields.Count == 0 ? 0 : section.Fields.Max(f => f.Label.Length);
            foreach (var field in section.Fields)
            {
                lines.Add(new ScreenLine().Add(field.Label.PadRight(width), Palette.HeaderName).Add("  " + field.Value));
            }
        }

        return lines;
    }

    /// <summary>After an upgrade, the messages both ways (client → server, server ← client), as mitmproxy's WebSocket tab lists them.</summary>
    private static void AddWebSocket(List<ScreenLine> lines, Flows.WebSocketData websocket)
    {
        lines.Add(new ScreenLine());
        lines.Add(ScreenLine.Of($"── WebSocket: {websocket.Messages.Count} messages ──", Palette.Dim));
        foreach (var message in websocket.Messages)
        {
            var arrow = message.FromClient ? "→ " : "← ";
            var content = message.IsText ? message.Text : $"[binary, {message.Content.Length} bytes] {Convert.ToHexString(message.Content.AsSpan(0, Math.Min(32, message.Content.Length)))}";
            lines.Add(new ScreenLine().Add(arrow, message.FromClient ? Palette.Method : Palette.Redirect).Add(message.Dropped ? "[dropped] " + content : content));
        }

        if (websocket.CloseCode is { } code)
        {
            lines.Add(ScreenLine.Of($"closed by the {(websocket.ClosedByClient ? "client" : "server")}: {code} {websocket.CloseReason}", Palette.Dim));
        }
    }
}
