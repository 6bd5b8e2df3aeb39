using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// The flows the console keeps in memory, in the order they started, the view filter over them and
/// the focused one (mitmproxy's view addon). Only the UI thread touches it; new flows arrive through
/// <see cref="Add"/> from the proxy's store.
/// </summary>
internal sealed class FlowList
{
    private readonly List<Flow> _all = [];
    private readonly HashSet<Flow> _seen = [];

    // Whether the view filter matched each finished flow. A finished flow only changes when the user
    // edits it, so the filter (a ~b over large bodies can take milliseconds a flow) runs once per
    // flow, not on every redraw; Invalidate drops the answers after a key, SetFilter on a new filter.
    private readonly Dictionary<Flow, bool> _matches = [];
    private List<Flow> _visible = [];
    private Flow? _focused;

    public FlowFilter? Filter { get; private set; }

    /// <summary>All flows, filtered or not.</summary>
    public IReadOnlyList<Flow> All => _all;

    /// <summary>The flows the view filter lets through, as of the last <see cref="Recompute"/>.</summary>
    public IReadOnlyList<Flow> Visible => _visible;

    public Flow? Focused => _focused;

    public int FocusIndex { get; private set; }

    /// <summary>Adds a flow once: every sync offers the store's whole list again.</summary>
    public bool Add(Flow flow)
    {
        if (!_seen.Add(flow))
        {
            return false;
        }

        _all.Add(flow);
        return true;
    }

    /// <summary>
    /// Forgets a flow, so its bodies can be freed. The caller removes it from the proxy's store too
    /// (<see cref="ConsoleApp.Delete"/> does), or the next sync would add it again.
    /// </summary>
    public void Remove(Flow flow)
    {
        _all.Remove(flow);
        _seen.Remove(flow);
        _matches.Remove(flow);
        Recompute();
    }

    /// <summary>Forgets every flow; as with <see cref="Remove"/>, the caller clears the store too.</summary>
    public void Clear()
    {
        _all.Clear();
        _seen.Clear();
        _matches.Clear();
        Recompute();
    }

    public void SetFilter(FlowFilter? filter)
    {
        Filter = filter;
        _matches.Clear();
        Recompute();
    }

    /// <summary>Forgets what the filter said about each flow: a key may have edited one.</summary>
    public void Invalidate() => _matches.Clear();

    /// <summary>Applies the view filter again (flows change as responses arrive) and keeps the focus on the same flow where it can.</summary>
    public void Recompute()
    {
        var filter = Filter;
        _visible = filter is null ? [.. _all] : _all.Where(f => Matches(filter, f)).ToList();
        var index = _focused is null ? -1 : _visible.IndexOf(_focused);
        Focus(index >= 0 ? index : FocusIndex);
    }

    public void Focus(int index)
    {
        if (_visible.Count == 0)
        {
            FocusIndex = 0;
            _focused = null;
            return;
        }

        FocusIndex = Math.Clamp(index, 0, _visible.Count - 1);
        _focused = _visible[FocusIndex];
    }

    public void Move(int delta) => Focus(FocusIndex + delta);

    private bool Matches(FlowFilter filter, Flow flow)
    {
        if (_matches.TryGetValue(flow, out var known))
        {
            return known;
        }

        var live = flow.Live; // read before matching: a flow finishing meanwhile is matched again next time
        var matched = SafeMatch(filter, flow);
        if (!live)
        {
            _matches[flow] = matched;
        }

        return matched;
    }

    private static bool SafeMatch(FlowFilter filter, Flow flow)
    {
        try
        {
            return filter.Matches(flow);
        }
        catch (Exception e) when (e is System.Text.RegularExpressions.RegexMatchTimeoutException or InvalidOperationException)
        {
            return false; // a runaway regex or a flow changing under us hides the flow rather than stopping the UI
        }
    }
}
