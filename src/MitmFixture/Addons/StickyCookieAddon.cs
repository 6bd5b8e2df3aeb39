using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Replay;

namespace MitmFixture.Addons;

/// <summary>
/// <c>stickycookie FILTER</c>: remembers cookies servers set, per domain, port and path (respecting
/// Domain, Path, Secure and expiry), and adds them to matching requests that carry no cookies,
/// as mitmproxy's stickycookie does.
/// </summary>
public sealed class StickyCookieAddon(FlowFilter filter, TimeProvider? time = null) : ProxyAddon
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Domain, int Port, string Path), Dictionary<string, StoredCookie>> _jar = [];

    /// <inheritdoc/>
    public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
    {
        if (!filter.Matches(flow))
        {
            return default;
        }

        var now = _time.GetUtcNow();
        foreach (var header in flow.Response!.Headers.GetAll("Set-Cookie")) // the response hook always has a response
        {
            if (SetCookie.TryParse(header, out var cookie))
            {
                var key = (cookie.Domain?.TrimStart('.') ?? flow.Request.Host, flow.Request.Port, cookie.Path ?? "/");
                if (!DomainMatches(flow.Request.Host, key.Item1))
                {
                    continue; // a server may not set cookies for another domain
                }

                lock (_gate)
                {
                    if (!_jar.TryGetValue(key, out var cookies))
                    {
                        _jar[key] = cookies = new Dictionary<string, StoredCookie>(StringComparer.Ordinal);
                    }

                    if (cookie.ExpiresAt(now) is { } expires && expires <= now)
                    {
                        cookies.Remove(cookie.Name);
                    }
                    else
                    {
                        cookies[cookie.Name] = new StoredCookie(cookie.Value, cookie.Secure, cookie.ExpiresAt(now));
                    }
                }
            }
        }

        return default;
    }

    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        var request = flow.Request;
        if (request.Headers.Contains("Cookie") || !filter.Matches(flow))
        {
            return default;
        }

        var now = _time.GetUtcNow();
        var pairs = new List<string>();
        lock (_gate)
        {
            foreach (var ((domain, port, path), cookies) in _jar)
            {
                if (!DomainMatches(request.Host, domain) || request.Port != port || !request.Path.StartsWith(path, StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var (name, cookie) in cookies)
                {
                    if ((cookie.Expires is null || cookie.Expires > now) && (!cookie.Secure || request.Scheme == "https"))
                    {
                        pairs.Add($"{name}={cookie.Value}");
                    }
                }
            }
        }

        if (pairs.Count > 0)
        {
            request.Headers.Set("Cookie", string.Join("; ", pairs));
            flow.Metadata["stickycookie"] = true;
        }

        return default;
    }

    /// <summary>RFC 6265 §5.1.3 domain matching: equal, or a subdomain of it.</summary>
    private static bool DomainMatches(string host, string domain) =>
        host.Equals(domain, StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);

    private sealed record StoredCookie(string Value, bool Secure, DateTimeOffset? Expires);

    private sealed record SetCookie(string Name, string Value, string? Domain, string? Path, bool Secure, DateTimeOffset? Expires, long? MaxAge)
    {
        public DateTimeOffset? ExpiresAt(DateTimeOffset now) => MaxAge is { } seconds ? now.AddSeconds(seconds) : Expires;

        public static bool TryParse(string header, out SetCookie cookie)
        {
            cookie = null!;
            var parts = header.Split(';');
            var eq = parts[0].IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return false;
            }

            string? domain = null, path = null;
            var secure = false;
            DateTimeOffset? expires = null;
            long? maxAge = null;
            foreach (var attribute in parts.Skip(1))
            {
                var a = attribute.Trim();
                var aeq = a.IndexOf('=', StringComparison.Ordinal);
                var name = (aeq < 0 ? a : a[..aeq]).ToLowerInvariant();
                var value = aeq < 0 ? "" : a[(aeq + 1)..].Trim();
                switch (name)
                {
                    case "domain" when value.Length > 0:
                        domain = value;
                        break;
                    case "path" when value.StartsWith('/'):
                        path = value;
                        break;
                    case "secure":
                        secure = true;
                        break;
                    case "expires" when ResponseRefresher.TryParseHttpDate(value, out var date):
                        expires = date;
                        break;
                    case "max-age" when long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var seconds):
                        maxAge = seconds;
                        break;
                }
            }

            cookie = new SetCookie(parts[0][..eq].Trim(), parts[0][(eq + 1)..].Trim(), domain, path, secure, expires, maxAge);
            return true;
        }
    }
}
