namespace MitmFixture.Cassettes;

/// <summary>
/// Whether a cookie's value is searched for, and replaced, everywhere in a cassette, or only in
/// the Cookie and Set-Cookie headers that carry it (always). Sites set cookies such as
/// <c>consent=true</c>, <c>lang=en-US</c> or <c>theme=dark</c>; replacing every <c>true</c> in the
/// cassette breaks JSON, paths and queries, and then replay (an audit found <c>/jsontrue</c>
/// recorded as <c>/json&lt;COOKIE&gt;</c>). So a cookie value is searched for elsewhere only when
/// it looks like a credential: by its name, or by its value's shape.
/// </summary>
internal static class CookieSecretShape
{
    // Substrings of the names session and anti-forgery cookies go by: PHPSESSID, JSESSIONID,
    // connect.sid, .AspNetCore.Session, laravel_session, csrftoken, XSRF-TOKEN, remember_token...
    private static readonly string[] CredentialNameParts =
        ["sess", "sid", "token", "auth", "csrf", "xsrf", "forgery", "jwt", "login", "remember", "key", "secret", "pass", "credential", "sso", "saml", "ticket"];

    /// <summary>Letters, digits and what base64, base64url, JWTs and signed values (<c>s:…</c>) are made of.</summary>
    private const string TokenPunctuation = "-._~+/=:";

    /// <summary>True when the cookie <paramref name="name"/>=<paramref name="value"/> is searched for elsewhere in the cassette.</summary>
    public static bool IsCredential(string name, string value) => HasCredentialName(name) || LooksRandom(value);

    /// <summary>
    /// A name containing one of <see cref="CredentialNameParts"/> (case-insensitive), or <c>id</c> as
    /// a word of its own (<c>user_id</c>, <c>visitorId</c>, <c>ID</c>): a cookie named so is an
    /// identifier, whatever its value looks like.
    /// </summary>
    public static bool HasCredentialName(string name)
    {
        foreach (var part in CredentialNameParts)
        {
            if (name.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        var at = name.IndexOf("id", StringComparison.OrdinalIgnoreCase);
        for (; at >= 0; at = name.IndexOf("id", at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var starts = at == 0 || !char.IsAsciiLetter(name[at - 1]) || (char.IsAsciiLetterLower(name[at - 1]) && name[at] == 'I');
            var ends = at + 2 == name.Length || !char.IsAsciiLetterLower(name[at + 2]);
            if (starts && ends)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A value, percent-decoded and unquoted, of letters, digits and <see cref="TokenPunctuation"/>
    /// only, that is at least 8 characters long and mixes letters and digits, at least 3 and 2 of
    /// them (a hex session id, a UUID, a JWT, base64, <c>s:…</c>), or at least 20 characters with a
    /// lowercase letter followed by an uppercase one (random base64 with no digit in it). Words,
    /// language tags, time zones, flags, numbers and ISO timestamps (two letters, T and Z) are none of these.
    /// </summary>
    public static bool LooksRandom(string value)
    {
        var text = Unescape(value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value);
        int letters = 0, digits = 0;
        var hump = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsAsciiLetterOrDigit(c) && !TokenPunctuation.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }

            letters += char.IsAsciiLetter(c) ? 1 : 0;
            digits += char.IsAsciiDigit(c) ? 1 : 0;
            hump |= i > 0 && char.IsAsciiLetterUpper(c) && char.IsAsciiLetterLower(text[i - 1]);
        }

        return (text.Length >= 8 && letters >= 3 && digits >= 2) || (text.Length >= 20 && hump);
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
