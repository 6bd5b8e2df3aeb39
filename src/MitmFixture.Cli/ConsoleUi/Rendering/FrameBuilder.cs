using Microsoft.Extensions.Logging;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>
/// Lays out a whole frame for the console's state: the current screen above, the status bar, then
/// the prompt or message line. Exactly <c>height</c> lines, none wider than <c>width</c> once drawn.
/// A terminal narrower than 40 columns gets the 40-column layout cut; one too low for everything
/// loses the screen's rows first, then the status bar, keeping the prompt line.
/// </summary>
internal static class FrameBuilder
{
    public static IReadOnlyList<ScreenLine> Build(ConsoleApp app, int width, int height)
    {
        width = Math.Max(width, 40);
        height = Math.Max(height, 1);
        var bodyHeight = Math.Max(0, height - 2);
        var lines = new List<ScreenLine>(height);
        try
        {
            AddScreen(app, lines, width, bodyHeight);
        }
        catch (Exception e)
        {
            // A proxy thread can change a live flow while it is drawn (its headers are a plain list),
            // and a drawing bug must not end the session: show what happened, log it, draw again next tick.
            lines.Clear();
            lines.Add(ScreenLine.Of("This screen could not be drawn: " + e.Message, Palette.Error));
            lines.Add(ScreenLine.Of("The event log (e on the flow list) has the details; q goes back.", Palette.Dim));
            app.ReportDrawFailure(e);
        }

        while (lines.Count < bodyHeight)
        {
            lines.Add(new ScreenLine());
        }

        lines.RemoveRange(bodyHeight, lines.Count - bodyHeight);
        if (height >= 2)
        {
            lines.Add(StatusBar(app, width));
        }

        lines.Add(BottomLine(app, width));
        return lines;
    }

    private static void AddScreen(ConsoleApp app, List<ScreenLine> lines, int width, int bodyHeight)
    {
        switch (app.Current)
        {
            case FlowListScreen list:
                var logHeight = app.ShowEventLog ? Math.Min(bodyHeight, Math.Clamp(bodyHeight / 3, 3, 12)) : 0;
                list.PageSize = Math.Max(1, bodyHeight - logHeight - 1);
                lines.AddRange(FlowListView.Build(app, width, bodyHeight - logHeight));
                if (logHeight > 0)
                {
                    while (lines.Count < bodyHeight - logHeight)
                    {
                        lines.Add(new ScreenLine()); // the pane stays at the bottom, not under the last flow
                    }

                    lines.AddRange(EventLogView(app, logHeight));
                }

                break;
            case FlowViewScreen view:
                view.PageSize = Math.Max(1, bodyHeight - 3);
                lines.AddRange(FlowDetailView.Build(view, width, bodyHeight));
                break;
            case GridEditorScreen grid:
                lines.AddRange(GridView.Build(grid, width, bodyHeight));
                break;
            case HelpScreen help:
                lines.AddRange(HelpView.Build(help, width, bodyHeight));
                break;
            case OptionsScreen options:
                lines.AddRange(HelpView.BuildOptions(options, width, bodyHeight));
                break;
        }
    }

    private static IEnumerable<ScreenLine> EventLogView(ConsoleApp app, int height)
    {
        yield return new ScreenLine(Palette.StatusBar).Add(" Event log", Palette.StatusBar);
        var events = app.Events.Snapshot();
        foreach (var e in events.Skip(Math.Max(0, events.Count - (height - 1))))
        {
            var style = e.Level >= LogLevel.Error ? Palette.Error : e.Level >= LogLevel.Warning ? Palette.ClientError : Palette.Dim;
            yield return new ScreenLine().Add(e.Time.ToLocalTime().ToString("HH:mm:ss ", System.Globalization.CultureInfo.InvariantCulture), Palette.Dim).Add(e.Text, style);
        }
    }

    /// <summary>
    /// Flow count, interception pattern, view filter, features, and the bind address on the right.
    /// When it does not fit, the screen title goes first, then the state on the left is cut: the
    /// address is what a user reads the bar for when pointing a client at the proxy.
    /// </summary>
    public static ScreenLine StatusBar(ConsoleApp app, int width)
    {
        var left = new List<Span>();
        var flows = app.Flows;
        var count = flows.Filter is null ? $"[{FocusText(flows)}{flows.All.Count}]" : $"[{FocusText(flows)}{flows.Visible.Count} of {flows.All.Count}]";
        left.Add(new Span(count, Palette.StatusBarStrong));
        var paused = flows.All.Count(f => f.Intercepted);
        if (paused > 0)
        {
            left.Add(new Span($" [{paused} paused]", Palette.StatusBarStrong));
        }

        if (app.Backend.Intercept.Expression is { } intercept)
        {
            left.Add(new Span($" [i:{intercept}]", Palette.StatusBar));
        }

        if (flows.Filter is { } filter)
        {
            left.Add(new Span($" [f:{filter.Expression}]", Palette.StatusBar));
        }

        foreach (var feature in app.Backend.Features)
        {
            left.Add(new Span($" [{feature}]", Palette.StatusBar));
        }

        if (app.Backend.ServerReplay is { } replay)
        {
            left.Add(new Span($" [server replay:{replay.Remaining} left]", Palette.StatusBar));
        }

        if (app.Backend.Replacements.Specs.Count > 0)
        {
            left.Add(new Span($" [replacements:{app.Backend.Replacements.Specs.Count}]", Palette.StatusBar));
        }

        if (app.PendingReplays > 0)
        {
            left.Add(new Span($" [replaying:{app.PendingReplays}]", Palette.StatusBar));
        }

        var address = $"[{app.Backend.Proxy.Options.Mode}] listening {app.Backend.Proxy.Endpoint} ";
        var right = $"{app.Current.Title}  {address}";
        var leftLength = left.Sum(s => s.Text.Length);
        if (leftLength + 1 + right.Length > width)
        {
            right = address;
        }

        var room = Math.Max(0, width - 1 - right.Length);
        var line = new ScreenLine(Palette.StatusBar);
        var used = 0;
        foreach (var span in left)
        {
            var text = used + span.Text.Length <= room ? span.Text : FlowRow.Fit(span.Text, room - used).TrimEnd();
            line.Add(text, span.Style);
            used += text.Length;
            if (used >= room)
            {
                break;
            }
        }

        line.Add(new string(' ', Math.Max(1, width - used - right.Length)), Palette.StatusBar);
        line.Add(right, Palette.StatusBar);
        return line;
    }

    private static string FocusText(FlowList flows) => flows.Visible.Count == 0 ? "" : $"{flows.FocusIndex + 1}/";

    private static ScreenLine BottomLine(ConsoleApp app, int width)
    {
        if (app.Confirmation is { } confirmation)
        {
            return ScreenLine.Of(confirmation.Question, Palette.Title);
        }

        if (app.Prompt is { } prompt)
        {
            var editor = prompt.Editor;
            var error = prompt.Error is { } reason ? "  " + reason : "";
            var room = Math.Max(10, width - prompt.Label.Length - 2 - error.Length);
            var (text, cursor) = EditWindow.Around(editor.Text, editor.Cursor, room);
            var line = new ScreenLine().Add(prompt.Label + ": ", Palette.Title).Add(text[..cursor]);
            line.Add(cursor < text.Length ? text[cursor].ToString() : " ", Palette.Cursor);
            if (cursor + 1 < text.Length)
            {
                line.Add(text[(cursor + 1)..]);
            }

            line.Add(error, Palette.Error);
            return line;
        }

        if (app.Message is { } message)
        {
            return ScreenLine.Of(message);
        }

        return ScreenLine.Of("?:help  q:back/quit", Palette.Dim);
    }
}
