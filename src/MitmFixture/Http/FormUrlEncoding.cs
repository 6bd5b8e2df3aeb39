using System.Text;

namespace MitmFixture.Http;

/// <summary>application/x-www-form-urlencoded and query strings as ordered pairs (WHATWG URL §5).</summary>
internal static class FormUrlEncoding
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string text)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(text))
        {
            return pairs;
        }

        foreach (var part in text.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }

            var eq = part.IndexOf('=');
            var key = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add(new(Decode(key), Decode(value)));
        }

        return pairs;
    }

    public static string Format(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (builder.Length > 0)
            {
                builder.Append('&');
            }

            builder.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }

    /// <summary>A key or value as a form decoder reads it: <c>+</c> is a space.</summary>
    public static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    /// <summary>
    /// A value that holds a raw <c>+</c> as a server reading the query by RFC 3986 alone reads it (a
    /// plus sign, as Go's url.PathUnescape and many frameworks' path routers do), or null when
    /// there is no raw <c>+</c> and both readings agree.
    /// </summary>
    public static string? DecodeKeepingPlus(string text) => text.Contains('+', StringComparison.Ordinal) ? Uri.UnescapeDataString(text) : null;
}
