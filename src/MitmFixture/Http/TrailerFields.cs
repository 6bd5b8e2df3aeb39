using System.Collections.Frozen;

namespace MitmFixture.Http;

/// <summary>
/// Fields that have no business in a chunked body's trailers (RFC 9110 §6.5.1): framing, routing,
/// connection control, request modifiers, authentication and content processing all have to be
/// known before the content. A recipient that merged them into the header section could be made to
/// re-frame or re-route the message, so the proxy drops them on the way in and on the way out.
/// </summary>
internal static class TrailerFields
{
    private static readonly FrozenSet<string> Forbidden = new[]
    {
        "Transfer-Encoding", "Content-Length", "Trailer", "Host",
        "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade",
        "Expect", "Max-Forwards", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "If-Range",
        "Cache-Control", "Pragma",
        "Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Cookie", "Set-Cookie",
        "Content-Encoding", "Content-Type", "Content-Range",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static bool IsForbidden(string name) => Forbidden.Contains(name);

    /// <summary>The trailers without forbidden fields; null when none remain.</summary>
    public static HttpHeaders? Sanitize(HttpHeaders? trailers)
    {
        if (trailers is null)
        {
            return null;
        }

        var kept = new HttpHeaders(trailers.Where(f => !IsForbidden(f.Name)));
        return kept.Count > 0 ? kept : null;
    }
}
