using System.Collections.Concurrent;
using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary><c>stickyauth FILTER</c>: remembers the last Authorization header per host and adds it to matching requests that lack one.</summary>
public sealed class StickyAuthAddon(FlowFilter filter) : ProxyAddon
{
    private readonly ConcurrentDictionary<string, string> _byHost = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        var host = flow.Request.Host;
        if (flow.Request.Headers.Get("Authorization") is { } authorization)
        {
            _byHost[host] = authorization;
        }
        else if (filter.Matches(flow) && _byHost.TryGetValue(host, out var remembered))
        {
            flow.Request.Headers.Set("Authorization", remembered);
        }

        return default;
    }
}
