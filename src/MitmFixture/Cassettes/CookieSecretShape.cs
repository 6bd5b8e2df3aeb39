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
    // The words session and anti-forgery cookies are named with: connect.sid, .AspNetCore.Session,
    // laravel_session, XSRF-TOKEN, remember_token, user_id... A word of the name is one of these, or
    // a run of them written together (sessionid, csrftoken, apikey, authtoken).
    private static readonly string[] CredentialWords =
    [
        "session", "sessions", "sess", "sid", "id", "token", "tokens", "auth", "oauth", "csrf", "xsrf", "forgery", "antiforgery",
        "jwt", "login", "remember", "key", "keys", "api", "secret", "secrets",
        "pass", "password", "passwd", "pwd", "credential", "credentials", "creds", "sso", "saml", "ticket",
    ];

    /// <summary>
    /// Words that end a platform's one-word session cookie whatever comes before them:
    /// PHP's PHPSESSID, Java's JSESSIONID, Google's SID, SSID and SAPISID.
    /// </summary>
    private static readonly string[] SessionSuffixes = ["sid", "sessionid"];

    /// <summary>Letters, digits and what base64, base64url, JWTs and signed values (<c>s:…</c>) are made of.</summary>
    private const string TokenPunctuation = "-._~+/=:";

    /// <summary>True when the cookie <paramref name="name"/>=<paramref name="value"/> is searched for elsewhere in the cassette.</summary>
    public static bool IsCredential(string name, string value) => HasCredentialName(name) || LooksRandom(value);

    /// <summary>
    /// A name with a credential word in it, as a word: the name is split on anything but letters and
    /// digits, between letters and digits, and at camelCase humps (<c>ASP.NET_SessionId</c> is
    /// ASP, NET, Session, Id), and a word counts when it is one of <see cref="CredentialWords"/> or
    /// several of them written together (<c>sessionid</c>, <c>csrftoken</c>), or a platform's session
    /// id (<see cref="SessionSuffixes"/>, and classic ASP's <c>ASPSESSIONID</c> with the random
    /// letters IIS appends). Case-insensitive. So <c>author</c>, <c>keyboard</c>, <c>monkey</c> and
    /// <c>passive</c>, which hold such a word only as letters of another, do not count.
    /// </summary>
    public static bool HasCredentialName(string name)
    {
        foreach (var word in Words(name))
        {
            var lower = word.ToLowerInvariant();
            if (IsCompound(lower) || SessionSuffixes.Any(s => lower.EndsWith(s, StringComparison.Ordinal))
                || lower.StartsWith("aspsessionid", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The words of a cookie name: split at anything but ASCII letters and digits, between letters and digits, and at camelCase humps (<c>XSRFToken</c> is XSRF, Token).</summary>
    private static IEnumerable<string> Words(string name)
    {
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            var boundary = i == name.Length || !char.IsAsciiLetterOrDigit(name[i])
                || (i > start && (char.IsAsciiDigit(name[i]) != char.IsAsciiDigit(name[i - 1])
                    || (char.IsAsciiLetterUpper(name[i]) && char.IsAsciiLetterLower(name[i - 1]))
                    || (char.IsAsciiLetterUpper(name[i]) && char.IsAsciiLetterUpper(name[i - 1]) && i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]))));
            if (!boundary)
            {
                continue;
            }

            if (i > start)
            {
                yield return name[start..i];
            }

            start = i < name.Length && !char.IsAsciiLetterOrDigit(name[i]) ? i + 1 : i;
        }
    }

    /// <summary>Whether <paramref name="word"/> (lowercase) is made of <see cref="CredentialWords"/> end to end.</summary>
    private static bool IsCompound(string word)
    {
        // reachable[i]: the first i letters are credential words written together.
        var reachable = new bool[word.Length + 1];
        reachable[0] = true;
        for (var i = 0; i < word.Length; i++)
        {
            if (!reachable[i])
            {
                continue;
            }

            foreach (var credential in CredentialWords)
            {
                if (word.AsSpan(i).StartsWith(credential, StringComparison.Ordinal))
                {
                    reachable[i + credential.Length] = true;
                }
            }
        }

        return reachable[word.Length];
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
