using MitmFixture.Addons.Specs;
using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Proxy;

namespace MitmFixture.Addons;

/// <summary>
/// The flow-modifying features, with mitmproxy's option names and string syntax. <see cref="Build"/>
/// turns them into the ordered addon list, reporting every bad option at once.
/// </summary>
public sealed record FeatureOptions
{
    /// <summary><c>anticache</c>: strip If-None-Match and If-Modified-Since. Default false.</summary>
    public bool Anticache { get; init; }

    /// <summary><c>anticomp</c>: ask for uncompressed bodies. Default false.</summary>
    public bool Anticomp { get; init; }

    /// <summary><c>proxyauth</c>: <c>user:pass</c>, <c>@htpasswd</c> or <c>any</c>. Default none.</summary>
    public string? ProxyAuth { get; init; }

    /// <summary><c>modify_headers</c> / <c>setheaders</c>: <c>/filter/name/value</c> specs. Default none.</summary>
    public IReadOnlyList<string> ModifyHeaders { get; init; } = [];

    /// <summary><c>modify_body</c> / <c>replacements</c>: <c>/filter/regex/replacement</c> specs. Default none.</summary>
    public IReadOnlyList<string> ModifyBody { get; init; } = [];

    /// <summary><c>map_remote</c>: <c>/filter/url-regex/replacement</c> specs. Default none.</summary>
    public IReadOnlyList<string> MapRemote { get; init; } = [];

    /// <summary><c>stickycookie</c>: a filter selecting the requests that get remembered cookies. Default off.</summary>
    public string? StickyCookie { get; init; }

    /// <summary><c>stickyauth</c>: a filter selecting the requests that get the remembered Authorization. Default off.</summary>
    public string? StickyAuth { get; init; }

    /// <summary>The addons, in mitmproxy's order (auth first, then request rewriting, then cookies), or every problem found.</summary>
    public IReadOnlyList<ProxyAddon> Build(ProxyMode mode, List<string> errors, TimeProvider? time = null)
    {
        var addons = new List<ProxyAddon>();
        if (ProxyAuth is { Length: > 0 } auth)
        {
            if (mode.Kind == ProxyModeKind.Reverse)
            {
                errors.Add($"proxyauth '{ProxyAuthAddon.Describe(auth)}': proxy authentication is not possible in reverse mode (clients do not know they talk to a proxy); use regular or upstream mode");
            }
            else
            {
                Try(errors, () => addons.Add(ProxyAuthAddon.Parse(auth)));
            }
        }

        if (Anticache)
        {
            addons.Add(new AnticacheAddon());
        }

        if (Anticomp)
        {
            addons.Add(new AnticompAddon());
        }

        if (Specs(MapRemote, "map_remote", errors) is { Count: > 0 } map)
        {
            Try(errors, () => addons.Add(new MapRemoteAddon(map)));
        }

        if (Specs(ModifyHeaders, "modify_headers", errors) is { Count: > 0 } headers)
        {
            addons.Add(new ModifyHeadersAddon(headers));
        }

        if (Specs(ModifyBody, "modify_body", errors) is { Count: > 0 } body)
        {
            Try(errors, () => addons.Add(new ModifyBodyAddon(body)));
        }

        if (Filter(StickyCookie, "stickycookie", errors) is { } cookieFilter)
        {
            addons.Add(new StickyCookieAddon(cookieFilter, time));
        }

        if (Filter(StickyAuth, "stickyauth", errors) is { } authFilter)
        {
            addons.Add(new StickyAuthAddon(authFilter));
        }

        return addons;
    }

    private static List<ModifySpec> Specs(IReadOnlyList<string> options, string name, List<string> errors)
    {
        var specs = new List<ModifySpec>();
        foreach (var option in options)
        {
            Try(errors, () => specs.Add(ModifySpec.Parse(option, name)));
        }

        return specs;
    }

    private static FlowFilter? Filter(string? expression, string name, List<string> errors)
    {
        if (expression is null)
        {
            return null;
        }

        if (FlowFilter.TryParse(expression, out var filter, out var error))
        {
            return filter;
        }

        errors.Add($"{name} '{expression}': {error.Message}");
        return null;
    }

    private static void Try(List<string> errors, Action action)
    {
        try
        {
            action();
        }
        catch (FormatException e)
        {
            errors.Add(e.Message);
        }
    }
}
