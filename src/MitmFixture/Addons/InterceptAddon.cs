using System.Diagnostics.CodeAnalysis;
using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary>
/// <c>intercept FILTER</c>: pauses matching flows at the request hook and again at the response hook
/// until a user resumes, edits or kills them (<see cref="Flow.Resume"/>, <see cref="Flow.Kill"/>), as
/// mitmproxy's intercept addon does. Replayed flows (either side, mitmproxy's <c>not f.is_replay</c>)
/// and killed ones go through. A filter that matches at both hooks (<c>~u /api</c>, unlike <c>~q</c> or
/// <c>~s</c>) pauses a flow twice, as in mitmproxy. A paused flow parks only its own connection.
/// </summary>
/// <remarks>
/// Put it last in <c>ProxyOptions.Addons</c>: hooks run in list order, so the user then
/// sees and edits the flow as every other addon left it. Nothing reorders addons for you.
/// </remarks>
public sealed class InterceptAddon(FlowFilter? filter = null) : ProxyAddon
{
    // Written by a UI thread, read by every connection's thread.
    private volatile FlowFilter? _filter = filter;

    /// <summary>Raised after a flow was paused (on the connection's thread), so a UI can show it.</summary>
    public event Action<Flow>? FlowIntercepted;

    /// <summary>The flows to pause; null turns interception off. May be set at any time, from any thread.</summary>
    public FlowFilter? Filter
    {
        get => _filter;
        set => _filter = value;
    }

    /// <summary>The current filter's text, for a status bar; null when off.</summary>
    public string? Expression => _filter?.Expression;

    /// <summary>
    /// Sets the filter from its text; null, empty or blank turns interception off. False (and the
    /// filter unchanged) when <paramref name="expression"/> is not a filter; <paramref name="error"/> says why.
    /// </summary>
    public bool TrySetFilter(string? expression, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(expression))
        {
            Filter = null;
            return true;
        }

        if (!FlowFilter.TryParse(expression, out var parsed, out var problem))
        {
            error = problem.Message;
            return false;
        }

        Filter = parsed;
        return true;
    }

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => Process(flow);

    /// <inheritdoc/>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) => Process(flow);

    private ValueTask Process(Flow flow)
    {
        if (_filter is { } filter && !flow.Killed && flow.Replay == ReplayKind.None && filter.Matches(flow))
        {
            flow.Intercept();
            FlowIntercepted?.Invoke(flow);
        }

        return default;
    }
}
