using MitmFixture.Addons.Specs;
using MitmFixture.Filters;
using MitmFixture.Flows;

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

    /// <summary>
    /// The feature addons in mitmproxy's order, without server replay or recording; a proxy's whole
    /// pipeline, with those in their places, comes from <c>ProxyPipeline.Compose</c>, which also
    /// refuses proxyauth in reverse mode (the mode is the proxy's business, not the addons').
    /// </summary>
    public IReadOnlyList<ProxyAddon> Build(List<string> errors, TimeProvider? time = null)
    {
        var addons = Create(errors, time);
        return [.. addons.BeforeReplay, .. addons.AfterReplay];
    }

    /// <summary>
    /// The addons split where server replay goes in mitmproxy's <c>default_addons()</c>: anticache,
    /// anticomp and proxyauth before it; map_remote, modify_body, modify_headers, stickyauth and
    /// stickycookie after it, so a replayed request is matched as the client sent it.
    /// </summary>
    internal FeatureAddons Create(List<string> errors, TimeProvider? time, bool keepModifyBody = false)
    {
        var before = new List<ProxyAddon>();
        if (Anticache)
        {
            before.Add(new AnticacheAddon());
        }

        if (Anticomp)
        {
            before.Add(new AnticompAddon());
        }

        if (ProxyAuth is { Length: > 0 } auth)
        {
            Try(errors, () => before.Add(ProxyAuthAddon.Parse(auth)));
        }

        var after = new List<ProxyAddon>();
        if (Specs(MapRemote, o => ModifySpec.Parse(o, "map_remote"), errors) is { Count: > 0 } map)
        {
            Try(errors, () => after.Add(new MapRemoteAddon(map)));
        }

        ModifyBodyAddon? modifyBody = null;
        if (Specs(ModifyBody, o => ModifySpec.Parse(o, "modify_body"), errors) is var body && (body.Count > 0 || keepModifyBody))
        {
            Try(errors, () => after.Add(modifyBody = new ModifyBodyAddon(body)));
        }

        if (Specs(ModifyHeaders, ModifyHeadersAddon.Parse, errors) is { Count: > 0 } headers)
        {
            after.Add(new ModifyHeadersAddon(headers));
        }

        if (Filter(StickyAuth, "stickyauth", errors) is { } authFilter)
        {
            after.Add(new StickyAuthAddon(authFilter));
        }

        if (Filter(StickyCookie, "stickycookie", errors) is { } cookieFilter)
        {
            after.Add(new StickyCookieAddon(cookieFilter, time));
        }

        return new FeatureAddons(before, after, modifyBody);
    }

    private static List<ModifySpec> Specs(IReadOnlyList<string> options, Func<string, ModifySpec> parse, List<string> errors)
    {
        var specs = new List<ModifySpec>();
        foreach (var option in options)
        {
            Try(errors, () => specs.Add(parse(option)));
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

/// <summary>The feature addons on either side of server replay, and the modify_body addon the console edits live.</summary>
internal sealed record FeatureAddons(IReadOnlyList<ProxyAddon> BeforeReplay, IReadOnlyList<ProxyAddon> AfterReplay, ModifyBodyAddon? ModifyBody);
