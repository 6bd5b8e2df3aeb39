using System.Globalization;

namespace MitmFixture.Http;

/// <summary>Splits <c>host:port</c> authorities, IPv6 literals in brackets included.</summary>
internal static class HostPort
{
    public static bool TrySplit(string authority, out string host, out int? port)
    {
        host = authority;
        port = null;
        if (authority.Length == 0)
        {
            return false;
        }

        if (authority[0] == '[')
        {
            var close = authority.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            host = authority[1..close];
            var rest = authority[(close + 1)..];
            if (rest.Length == 0)
            {
                return true;
            }

            if (rest[0] != ':' || !TryParsePort(rest[1..], out var p6))
            {
                return false;
            }

            port = p6;
            return true;
        }

        var colon = authority.LastIndexOf(':');
        if (colon < 0)
        {
            return true;
        }

        if (authority.IndexOf(':') != colon)
        {
            // A bare IPv6 address without brackets: no port.
            return true;
        }

        host = authority[..colon];
        if (!TryParsePort(authority[(colon + 1)..], out var p))
        {
            return false;
        }

        port = p;
        return host.Length > 0;
    }

    public static bool TryParsePort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    public static string Format(string host, int port) =>
        (host.Contains(':') ? $"[{host}]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture);
}
