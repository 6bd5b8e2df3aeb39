using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// The header list a head is adjusted in just before it is written (framing, hop-by-hop fields), one
/// per thread: a copy per request and per response was two lists and two arrays per exchange
/// (bench/RESULTS.md, "Fewer copies per request").
/// </summary>
internal static class HeadScratch
{
    [ThreadStatic]
    private static HttpHeaders? t_headers;

    /// <summary>
    /// A copy of <paramref name="headers"/> that is valid until the next call on this thread: change
    /// it and write the head before any await, and never keep it.
    /// </summary>
    public static HttpHeaders CopyOf(HttpHeaders headers)
    {
        var scratch = t_headers ??= new HttpHeaders();
        scratch.CopyFrom(headers);
        return scratch;
    }
}
