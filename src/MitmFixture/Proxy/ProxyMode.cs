namespace MitmFixture.Proxy;

/// <summary>How the proxy receives requests (mitmproxy's <c>mode</c>).</summary>
public enum ProxyModeKind
{
    /// <summary>A forward proxy: absolute-form requests and CONNECT.</summary>
    Regular,

    /// <summary>Every request goes to one fixed server.</summary>
    Reverse,

    /// <summary>A forward proxy that chains to another proxy.</summary>
    Upstream,

    /// <summary>A SOCKS5 proxy (RFC 1928, CONNECT only), mitmproxy's <c>socks5</c> mode.</summary>
    Socks5,
}

/// <summary>The proxy mode in mitmproxy's syntax: <c>regular</c>, <c>socks5</c>, <c>reverse:https://host:port</c>, <c>upstream:http://proxy:port</c>.</summary>
public sealed record ProxyMode(ProxyModeKind Kind, Uri? Target)
{
    /// <summary>A forward proxy.</summary>
    public static readonly ProxyMode Regular = new(ProxyModeKind.Regular, null);

    /// <summary>A SOCKS5 proxy.</summary>
    public static readonly ProxyMode Socks5 = new(ProxyModeKind.Socks5, null);

    /// <summary>A reverse proxy to <paramref name="url"/>.</summary>
    public static ProxyMode Reverse(string url) => Parse("reverse:" + url);

    /// <summary>A forward proxy chaining to the proxy at <paramref name="url"/>.</summary>
    public static ProxyMode Upstream(string url) => Parse("upstream:" + url);

    /// <summary>Parses a mode spec; throws <see cref="FormatException"/> naming what was expected.</summary>
    public static ProxyMode Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var colon = spec.IndexOf(':');
        var name = colon < 0 ? spec : spec[..colon];
        var argument = colon < 0 ? "" : spec[(colon + 1)..];
        switch (name.ToLowerInvariant())
        {
            case "regular" when argument.Length == 0:
                return Regular;
            case "socks5" when argument.Length == 0:
                return Socks5;
            case "reverse" or "upstream" when argument.Length > 0:
                var kind = name.Equals("reverse", StringComparison.OrdinalIgnoreCase) ? ProxyModeKind.Reverse : ProxyModeKind.Upstream;
                if (!argument.Contains("://", StringComparison.Ordinal))
                {
                    argument = (kind == ProxyModeKind.Reverse ? "https://" : "http://") + argument;
                }

                if (!Uri.TryCreate(argument, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
                {
                    throw new FormatException($"mode '{spec}': expected {name}:http(s)://host[:port]");
                }

                if (kind == ProxyModeKind.Upstream && uri.Scheme != "http")
                {
                    throw new FormatException($"mode '{spec}': the upstream proxy must be reached over http://");
                }

                return new ProxyMode(kind, uri);
            default:
                throw new FormatException($"mode '{spec}': expected regular, socks5, reverse:URL or upstream:URL");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == ProxyModeKind.Socks5 ? "socks5" : Target is null ? "regular" : $"{Kind.ToString().ToLowerInvariant()}:{Target.GetLeftPart(UriPartial.Authority)}";
}
