using System.Collections.Concurrent;

namespace MitmFixture.Proxy;

/// <summary>
/// HTTP/2 field names are lowercase on the wire (RFC 9113 §8.2.1), but Kestrel and HttpClient hand
/// their known names over canonical-cased ("User-Agent", "Content-Type"). Lowering them allocated a
/// string per field per request; the lowered form of each such name is kept instead. Only names with
/// an uppercase letter are looked up: the two libraries' fixed tables of known names, plus whatever a
/// server that breaks the rule sends (Kestrel refuses uppercase from clients), so the cache is capped
/// past ASP.NET Core's known names, which are always in it.
/// </summary>
internal static class Http2FieldNames
{
    private const int MaxCached = 512;

    private static readonly ConcurrentDictionary<string, string> Lowered = Seeded();

    private static readonly int KnownCount = Lowered.Count; // after Lowered: static fields initialise in order

    /// <summary>ASP.NET Core's known names (<see cref="Microsoft.Net.Http.Headers.HeaderNames"/>) always, so odd names a server sends cannot crowd them out past the cap.</summary>
    private static ConcurrentDictionary<string, string> Seeded()
    {
        var known = Http.KnownHeaderNames.All
            .Where(name => name.AsSpan().ContainsAnyInRange('A', 'Z'))
            .Select(name => new KeyValuePair<string, string>(name, name.ToLowerInvariant()));
        return new ConcurrentDictionary<string, string>(known, StringComparer.Ordinal);
    }

    public static string Lowercase(string name)
    {
        if (!name.AsSpan().ContainsAnyInRange('A', 'Z'))
        {
            return name;
        }

        if (Lowered.TryGetValue(name, out var lowered))
        {
            return lowered;
        }

        lowered = name.ToLowerInvariant();
        if (Lowered.Count < KnownCount + MaxCached)
        {
            Lowered.TryAdd(name, lowered);
        }

        return lowered;
    }
}
