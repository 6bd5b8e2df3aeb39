using System.Text;

namespace MitmFixture.Cassettes;

/// <summary>
/// Where the secret parts of a credential header's value are: the credential after an
/// Authorization scheme (RFC 9110 §11.4), each cookie's value (RFC 6265 §4.2), the first pair's
/// value of a Set-Cookie (its attributes are not secret), or the whole value of any other header.
/// </summary>
internal static class CredentialHeader
{
    /// <summary>A secret part of a header value; <paramref name="CookieName"/> is the cookie's name when the part is a cookie's value.</summary>
    public readonly record struct Part(int Start, int Length, string Kind, string? CookieName = null);

    public static string KindOf(string name) =>
        name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) || name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)
            ? "COOKIE"
            : Redactor.Kind(name);

    public static List<Part> Parts(string name, string value)
    {
        var kind = KindOf(name);
        var parts = new List<Part>();
        if (name.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
        {
            var start = 0;
            while (start <= value.Length)
            {
                var end = value.IndexOf(';', start);
                end = end < 0 ? value.Length : end;
                AddPairValue(value, start, end, kind, parts);
                start = end + 1;
            }
        }
        else if (name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
        {
            var end = value.IndexOf(';', StringComparison.Ordinal);
            AddPairValue(value, 0, end < 0 ? value.Length : end, kind, parts);
        }
        else if (IsAuthorization(name) && SchemeLength(value) is var scheme and > 0)
        {
            var start = scheme + 1;
            while (start < value.Length && value[start] == ' ')
            {
                start++;
            }

            if (start < value.Length)
            {
                parts.Add(new Part(start, value.Length - start, kind));
            }
        }
        else if (value.Length > 0)
        {
            parts.Add(new Part(0, value.Length, kind));
        }

        return parts;
    }

    /// <summary>The password of a Basic credential (RFC 7617 §2), decoded, or null.</summary>
    public static string? BasicPassword(string name, string value)
    {
        if (!IsAuthorization(name) || !value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = value[6..].Trim();
        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return null;
        }

        var pair = Encoding.UTF8.GetString(buffer, 0, written);
        var colon = pair.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 && colon < pair.Length - 1 ? pair[(colon + 1)..] : null;
    }

    /// <summary><paramref name="value"/> with each secret part replaced through <paramref name="placeholderOf"/>.</summary>
    public static string Rewrite(string name, string value, Func<string, string, string> placeholderOf)
    {
        var parts = Parts(name, value);
        if (parts.Count == 0)
        {
            return value;
        }

        var output = new StringBuilder(value.Length);
        var at = 0;
        foreach (var part in parts)
        {
            output.Append(value, at, part.Start - at);
            output.Append(placeholderOf(value.Substring(part.Start, part.Length), part.Kind));
            at = part.Start + part.Length;
        }

        return output.Append(value, at, value.Length - at).ToString();
    }

    private static void AddPairValue(string value, int start, int end, string kind, List<Part> parts)
    {
        var eq = value.IndexOf('=', start, end - start);
        if (eq < 0)
        {
            return;
        }

        var from = eq + 1;
        var to = end;
        while (from < to && value[from] == ' ')
        {
            from++;
        }

        while (to > from && value[to - 1] == ' ')
        {
            to--;
        }

        if (to > from)
        {
            parts.Add(new Part(from, to - from, kind, value[start..eq].Trim()));
        }
    }

    private static bool IsAuthorization(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase);

    /// <summary>The length of a leading auth-scheme token followed by a space, or 0.</summary>
    private static int SchemeLength(string value)
    {
        var i = 0;
        while (i < value.Length && (char.IsAsciiLetterOrDigit(value[i]) || "!#$%&'*+.^_`|~-".Contains(value[i], StringComparison.Ordinal)))
        {
            i++;
        }

        return i > 0 && i < value.Length && value[i] == ' ' ? i : 0;
    }
}
