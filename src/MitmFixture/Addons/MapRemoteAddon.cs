using System.Text.RegularExpressions;
using MitmFixture.Addons.Specs;
using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary>
/// <c>map_remote</c>, <c>/filter/regex/replacement</c> on the URL: sends matching requests somewhere
/// else (a recorded host to a local test server), updating scheme, host, port, path and Host header.
/// </summary>
public sealed class MapRemoteAddon : ProxyAddon
{
    private readonly List<(ModifySpec Spec, Regex Regex, string Replacement)> _specs;

    /// <summary>A map_remote addon applying <paramref name="specs"/> in order.</summary>
    public MapRemoteAddon(IReadOnlyList<ModifySpec> specs) =>
        _specs = specs.Select(s => (s, s.SubjectRegex("map_remote"), s.DotNetReplacement)).ToList();

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (flow.Response is not null)
        {
            return default;
        }

        var url = flow.Request.Url;
        var mapped = url;
        foreach (var (spec, regex, replacement) in _specs)
        {
            if (spec.Matches(flow))
            {
                mapped = regex.Replace(mapped, replacement, 1);
            }
        }

        if (mapped != url && Uri.TryCreate(mapped, UriKind.Absolute, out var target) && target.Scheme is "http" or "https")
        {
            var request = flow.Request;
            request.Scheme = target.Scheme;
            request.Host = target.IdnHost;
            request.Port = target.Port;
            request.Path = target.PathAndQuery;
            if (request.Headers.Contains("Host"))
            {
                request.Headers.Set("Host", request.Authority);
            }
        }

        return default;
    }
}
