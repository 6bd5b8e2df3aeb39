namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>The flow list: one row per listed flow, scrolled so the focused one is on screen.</summary>
internal static class FlowListView
{
    public static IEnumerable<ScreenLine> Build(ConsoleApp app, int width, int height)
    {
        var flows = app.Flows.Visible;
        if (flows.Count == 0)
        {
            yield return ScreenLine.Of(app.Flows.All.Count == 0
                ? $"No flows yet. Point a client at http://{app.Backend.Proxy.Endpoint} (curl -x), or press ? for help."
                : "No flow matches the view filter (f changes it).", Palette.Dim);
            yield break;
        }

        var first = Math.Clamp(app.Flows.FocusIndex - (height / 2), 0, Math.Max(0, flows.Count - height));
        for (var i = first; i < Math.Min(flows.Count, first + height); i++)
        {
            yield return FlowRow.Build(flows[i], width, i == app.Flows.FocusIndex);
        }
    }
}
