using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// Strings for the header fields the HTTP/1.1 parser reads, without a new string per field per
/// message where the same text came before: a name spelled exactly as one of ASP.NET Core's known
/// names is that name, and the value of a field that repeats from message to message on a connection
/// (Server, Content-Type, Accept, User-Agent...) is the string read last time, as Kestrel reuses
/// request header values. Together that was about a fifth of the bytes a proxied request allocated
/// (bench/RESULTS.md, "The floor"). Case is kept as sent: only an exact match is reused.
/// </summary>
internal static class Http1FieldStrings
{
    /// <summary>Longer names and values are rare and not worth the lookup.</summary>
    private const int MaxLookupLength = 64;

    /// <summary>A thread's remembered values, cleared when full, so odd traffic cannot grow it.</summary>
    private const int MaxRememberedValues = 256;

    private static readonly Encoding Latin1 = Encoding.Latin1;

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownNames =
        KnownHeaderNames.All.ToDictionary(name => name, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Fields whose values are worth remembering: they repeat across messages, and none carries a
    /// credential (Authorization, Cookie and the like stay out, so no secret outlives its message here).
    /// </summary>
    private static readonly HashSet<string> RepeatingFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Accept", "Accept-Encoding", "Accept-Language", "Accept-Ranges", "Cache-Control", "Connection",
        "Content-Encoding", "Content-Type", "Date", "ETag", "Host", "Keep-Alive", "Last-Modified", "Pragma",
        "Server", "Transfer-Encoding", "User-Agent", "Vary", "Via", "X-Powered-By",
    };

    [ThreadStatic]
    private static Dictionary<string, string>? t_values;

    public static string Name(ReadOnlySpan<byte> name)
    {
        if (name.Length > MaxLookupLength)
        {
            return Latin1.GetString(name);
        }

        Span<char> chars = stackalloc char[name.Length];
        Latin1.GetChars(name, chars);
        return KnownNames.TryGetValue(chars, out var known) ? known : new string(chars);
    }

    /// <param name="name">The field's name, as <see cref="Name"/> returned it.</param>
    public static string Value(string name, ReadOnlySpan<byte> value)
    {
        if (value.Length > MaxLookupLength || !RepeatingFields.Contains(name))
        {
            return Latin1.GetString(value);
        }

        Span<char> chars = stackalloc char[value.Length];
        Latin1.GetChars(value, chars);
        var values = t_values ??= new Dictionary<string, string>(StringComparer.Ordinal);
        var lookup = values.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(chars, out var seen))
        {
            return seen;
        }

        if (values.Count >= MaxRememberedValues)
        {
            values.Clear();
        }

        var text = new string(chars);
        values[text] = text;
        return text;
    }
}
