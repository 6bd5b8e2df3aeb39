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

/// <summary>
/// The proxy mode in mitmproxy's syntax: <c>regular</c>, <c>socks5</c>, <c>reverse:https://host:port</c>,
/// <c>upstream:http://proxy:port</c>; also <c>reverse:h2c://host:port</c>, a cleartext server that
/// speaks HTTP/2 with prior knowledge (not in mitmproxy, which has no h2c).
/// </summary>
public sealed record ProxyMode(ProxyModeKind Kind, Uri? Target)
{
    /// <summary>A forward proxy.</summary>
    public static readonly ProxyMode Regular = new(ProxyModeKind.Regular, null);

    /// <summary>A SOCKS5 proxy.</summary>
    public static readonly ProxyMode Socks5 = new(ProxyModeKind.Socks5, null);

    /// <summary>
    /// Reverse mode to an h2c server (<c>reverse:h2c://</c>): requests go to <see cref="Target"/>
    /// (an <c>http://</c> URL) over HTTP/2 with prior knowledge (RFC 9113 §3.3), whatever the client spoke.
    /// </summary>
    public bool Http2PriorKnowledge { get; init; }

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
                var expected = kind == ProxyModeKind.Reverse ? "expected reverse:[http(s)://]host[:port] or reverse:h2c://host[:port]" : "expected upstream:[http://]host[:port]";

                // h2c is HTTP over cleartext TCP, spoken as HTTP/2 from the first byte: an http:// target with a flag.
                var h2c = argument.StartsWith("h2c://", StringComparison.OrdinalIgnoreCase);
                if (h2c)
                {
                    if (kind != ProxyModeKind.Reverse)
                    {
                        throw new FormatException($"mode '{spec}': h2c:// is for a reverse-mode server; the upstream proxy must be reached over http://");
                    }

                    argument = "http://" + argument["h2c://".Length..];
                }

                if (!argument.Contains("://", StringComparison.Ordinal))
                {
                    argument = DefaultScheme(argument) + argument;
                }

                // Nothing but host and port is taken: a path, query or user name would be dropped unread (the mode
                // keeps the authority only), so it is refused, as mitmproxy's server spec refuses a path.
                if (!(argument.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || argument.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                    || !Uri.TryCreate(argument, UriKind.Absolute, out var uri) || uri.Host.Length == 0
                    || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                {
                    throw new FormatException($"mode '{spec}': {expected}");
                }

                if (kind == ProxyModeKind.Upstream && uri.Scheme != "http")
                {
                    var implied = spec.Contains("://", StringComparison.Ordinal) ? "" : " (with no scheme and no port or port 443, https:// is meant, as in mitmproxy)";
                    throw new FormatException($"mode '{spec}': the upstream proxy must be reached over http://{implied}");
                }

                return new ProxyMode(kind, uri) { Http2PriorKnowledge = h2c };
            default:
                throw new FormatException($"mode '{spec}': expected regular, socks5, reverse:URL or upstream:URL");
        }
    }

    /// <summary>
    /// The scheme of a spec written without one, by mitmproxy's rule (<c>server_spec.parse</c>):
    /// https when the port is absent or 443, http for any other port.
    /// </summary>
    private static string DefaultScheme(string hostAndPort)
    {
        var colon = hostAndPort.LastIndexOf(':');
        var port = colon > hostAndPort.LastIndexOf(']') ? hostAndPort[(colon + 1)..].TrimEnd('/') : "";
        return port is "" or "443" ? "https://" : "http://";
    }

    /// <inheritdoc/>
    public override string ToString() => Kind == ProxyModeKind.Socks5 ? "socks5" : Target is null ? "regular"
        : Http2PriorKnowledge ? $"reverse:h2c://{Target.Authority}"
        : $"{Kind.ToString().ToLowerInvariant()}:{Target.GetLeftPart(UriPartial.Authority)}";

    /// <summary>True when <paramref name="scheme"/>://<paramref name="host"/>:<paramref name="port"/> is the h2c server of <c>reverse:h2c://</c>.</summary>
    internal bool IsH2cTarget(string scheme, string host, int port) =>
        Http2PriorKnowledge && Target is { } target && scheme == "http" && port == target.Port &&
        string.Equals(host, target.IdnHost, StringComparison.OrdinalIgnoreCase);
}
