using System.Buffers;
using System.Globalization;

namespace MitmFixture.Http;

/// <summary>
/// What the fields of an HTTP/1.1 head may hold (RFC 9110 §5.5, §5.6.2; RFC 9112 §3, §4), for
/// messages that come from a file rather than the wire: each check returns null when the value is
/// fine, else the reason it is not, worded to follow the field's name.
/// </summary>
internal static class HttpSyntax
{
    /// <summary>RFC 9110 §5.6.2 tchar: what a method or a header name may hold.</summary>
    private const string TokenCharacters = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static readonly SearchValues<char> TokenChars = SearchValues.Create(TokenCharacters);

    /// <summary>tchar as bytes, for the wire parser.</summary>
    public static readonly SearchValues<byte> TokenBytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(TokenCharacters));

    /// <summary>True when <paramref name="value"/> is a non-empty token (a method or a header name).</summary>
    public static bool IsToken(ReadOnlySpan<char> value) => !value.IsEmpty && !value.ContainsAnyExcept(TokenChars);

    /// <summary>CR, LF and NUL: the characters that end or cut a line on the wire.</summary>
    /// <summary>Every Latin-1 character but CR, LF and NUL: what a head may carry as it is.</summary>
    private static readonly SearchValues<char> Sendable = SearchValues.Create([.. Enumerable.Range(1, 0xFF).Select(c => (char)c).Where(c => c is not ('\r' or '\n'))]);

    /// <summary>A method or a header name: a non-empty token.</summary>
    public static string? Token(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is empty; expected a token (RFC 9110 §5.6.2)";
        }

        var bad = value.AsSpan().IndexOfAnyExcept(TokenChars);
        return bad < 0 ? null : $"has {Describe(value[bad])} at offset {bad}; expected a token (RFC 9110 §5.6.2)";
    }

    /// <summary>A header name a user gave (an option, a modify_headers spec), quoted in the problem, or null when it is a token.</summary>
    public static string? HeaderName(string name) => Token(name) is { } problem ? $"header name {Quote(name)} {problem}" : null;

    /// <summary>A header value or reason phrase: no control characters but HTAB (RFC 9110 §5.5, RFC 9112 §4), and nothing past Latin-1.</summary>
    public static string? FieldText(string? value)
    {
        if (value is null)
        {
            return "is null";
        }

        for (var i = 0; i < value.Length; i++)
        {
            if ((IsControl(value[i]) && value[i] != '\t') || value[i] > '\u00ff')
            {
                return $"has {Describe(value[i])} at offset {i}";
            }
        }

        return null;
    }

    /// <summary>A request target, host or version: no control characters and no whitespace.</summary>
    public static string? Atom(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is empty";
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (IsControl(value[i]) || value[i] == ' ')
            {
                return $"has {Describe(value[i])} at offset {i}";
            }
        }

        return null;
    }

    /// <summary>The versions this proxy speaks on the wire.</summary>
    public static string? Version(string? value) =>
        value is "HTTP/1.1" or "HTTP/1.0" or "HTTP/2.0" ? null : $"is {Quote(value)}; expected \"HTTP/1.1\", \"HTTP/1.0\" or \"HTTP/2.0\"";

    /// <summary>
    /// A recorded answer's status: a final one (200 to 999), or 101 (a WebSocket's, played with its
    /// conversation). An interim 1xx sent as the answer would leave the client waiting for the real one.
    /// </summary>
    public static string? FinalStatusCode(int value) => StatusCode(value) ?? (value is < 200 and not 101
        ? $"is {value}, an interim answer; a recorded response must be final (101, or 200 to 999)"
        : null);

    /// <summary>Three digits, as the status line carries (RFC 9110 §15).</summary>
    public static string? StatusCode(int value) => value is >= 100 and <= 999 ? null : $"is {value}; expected 100 to 999";

    public static string? Port(int value) => value is >= 1 and <= 65535 ? null : $"is {value}; expected 1 to 65535";

    /// <summary>
    /// Where <paramref name="value"/> holds CR, LF, NUL or a character past U+00FF, or -1: what the
    /// HTTP/1.1 writer cannot send as it is. A head is bytes, read and written as Latin-1; a wider
    /// character would go out as another byte ('?', or a look-alike such as '/' for '／'), so what a
    /// reviewer reads in a cassette would not be what is sent.
    /// </summary>
    public static int IndexOfUnsendable(string value) => value.AsSpan().IndexOfAnyExcept(Sendable); // one pass: it runs for every header the proxy writes

    /// <summary>Where <paramref name="value"/> holds a character past U+00FF (see <see cref="IndexOfUnsendable"/>), as a problem, or null.</summary>
    public static string? Bytes(string value) =>
        value.AsSpan().IndexOfAnyInRange('\u0100', '\uffff') is var wide and >= 0 ? $"has {Describe(value[wide])} at offset {wide}" : null;

    public static string Describe(char c) => c switch
    {
        '\r' => "a CR (0x0D)",
        '\n' => "an LF (0x0A)",
        '\0' => "a NUL (0x00)",
        '\t' => "an HTAB (0x09)",
        ' ' => "a space",
        _ when IsControl(c) => $"a control character (0x{(int)c:X2})",
        _ when c > '\u00ff' => $"'{c}' (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)}), past U+00FF: a message head is Latin-1 bytes",
        _ => $"'{c}' (U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)})",
    };

    private static bool IsControl(char c) => c < 0x20 || c == 0x7F;

    private static string Quote(string? value) => value is null ? "null" : "\"" + string.Concat(value.Select(c => IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString())) + "\"";
}
