using System.Globalization;

namespace MitmFixture.Http;

/// <summary>An HTTP request. Host, port and scheme are the target the proxy forwards to.</summary>
public sealed class HttpRequest : HttpMessage
{
    /// <summary>The request method, e.g. <c>GET</c>.</summary>
    public string Method { get; set; } = "GET";

    /// <summary><c>http</c> or <c>https</c>.</summary>
    public string Scheme { get; set; } = "http";

    /// <summary>The host the request is for.</summary>
    public string Host { get; set; } = "";

    /// <summary>The port the request is for.</summary>
    public int Port { get; set; } = 80;

    /// <summary>Path and query as sent (origin-form), e.g. <c>/search?q=1</c>; for CONNECT, empty.</summary>
    public string Path { get; set; } = "/";

    /// <summary>The request-target's form as the client sent it.</summary>
    public RequestTargetForm TargetForm { get; set; } = RequestTargetForm.Origin;

    /// <summary>The Host header when present, else <see cref="Host"/> (mitmproxy's <c>pretty_host</c>).</summary>
    public string PrettyHost
    {
        get
        {
            var header = Headers.Get("Host");
            if (string.IsNullOrEmpty(header))
            {
                return Host;
            }

            return HostPort.TrySplit(header, out var host, out _) ? host : header;
        }
    }

    /// <summary>The full URL, with the port left out when it is the scheme's default.</summary>
    public string Url => $"{Scheme}://{Authority}{Path}";

    /// <summary>host[:port], the port omitted when default for the scheme; IPv6 hosts bracketed.</summary>
    public string Authority
    {
        get
        {
            var host = Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]" : Host;
            return IsDefaultPort(Scheme, Port) ? host : host + ":" + Port.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The path without the query string.</summary>
    public string PathOnly
    {
        get
        {
            var q = Path.IndexOf('?');
            return q < 0 ? Path : Path[..q];
        }
    }

    /// <summary>The query string after '?', without it; empty when none.</summary>
    public string QueryString
    {
        get
        {
            var q = Path.IndexOf('?');
            return q < 0 ? "" : Path[(q + 1)..];
        }
    }

    /// <summary>Query pairs in order, percent-decoded (mitmproxy's <c>request.query</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query => FormUrlEncoding.Parse(QueryString);

    /// <summary>True when <paramref name="port"/> is the default for <paramref name="scheme"/> (80 for http and ws, 443 for https and wss).</summary>
    public static bool IsDefaultPort(string scheme, int port) =>
        (port == 80 && scheme.Equals("http", StringComparison.OrdinalIgnoreCase)) ||
        (port == 443 && scheme.Equals("https", StringComparison.OrdinalIgnoreCase)) ||
        (port == 80 && scheme.Equals("ws", StringComparison.OrdinalIgnoreCase)) ||
        (port == 443 && scheme.Equals("wss", StringComparison.OrdinalIgnoreCase));

    /// <summary>The default port of <paramref name="scheme"/>: 443 for https and wss, else 80.</summary>
    public static int DefaultPort(string scheme) =>
        scheme.Equals("https", StringComparison.OrdinalIgnoreCase) || scheme.Equals("wss", StringComparison.OrdinalIgnoreCase) ? 443 : 80;

    /// <summary>Builds a request from a URL, for tests, client replay and addons.</summary>
    public static HttpRequest Create(string method, string url, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var request = new HttpRequest
        {
            Method = method,
            Scheme = uri.Scheme,
            Host = uri.IdnHost,
            Port = uri.Port,
            Path = string.IsNullOrEmpty(uri.PathAndQuery) ? "/" : uri.PathAndQuery,
            Headers = new HttpHeaders(headers),
            Body = body ?? [],
        };
        if (!request.Headers.Contains("Host"))
        {
            request.Headers.Set("Host", request.Authority);
        }

        return request;
    }

    /// <summary>A deep copy (headers and body included).</summary>
    public HttpRequest Clone()
    {
        var copy = new HttpRequest
        {
            Method = Method,
            Scheme = Scheme,
            Host = Host,
            Port = Port,
            Path = Path,
            TargetForm = TargetForm,
            HttpVersion = HttpVersion,
            Headers = Headers.Clone(),
            Trailers = Trailers?.Clone(),
            TimestampStart = TimestampStart,
            TimestampEnd = TimestampEnd,
        };
        copy.CopyBodyFrom(this);
        return copy;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Method} {Url}";
}

/// <summary>RFC 9112 §3.2 request-target forms.</summary>
public enum RequestTargetForm
{
    /// <summary><c>/path?query</c>, as sent to a server or a reverse proxy.</summary>
    Origin,
    /// <summary><c>http://host/path</c>, as sent to a forward proxy.</summary>
    Absolute,
    /// <summary><c>host:port</c>, for CONNECT.</summary>
    Authority,
    /// <summary><c>*</c>, for a server-wide OPTIONS.</summary>
    Asterisk,
}
