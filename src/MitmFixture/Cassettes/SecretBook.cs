using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MitmFixture.Cassettes;

/// <summary>
/// Every secret a cassette has shown so far and its placeholder: one per secret, numbered by
/// kind in the order learned, so the same token reads the same in the token response and in
/// every later request. Replacement runs in one left-to-right pass (a vectorized multi-string
/// search, so thousands of secrets cost little) that steps over placeholders already in the text,
/// so running it again on redacted text changes nothing.
/// </summary>
internal sealed partial class SecretBook(int minimumSecretLength)
{
    private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastOrdinal = new(StringComparer.Ordinal);
    private readonly List<string> _learned = []; // in learning order, so callers can ask for the ones since a version
    private readonly Dictionary<string, string> _forms = new(StringComparer.Ordinal); // every form of every secret -> placeholder
    private readonly List<int> _lengths = []; // the distinct lengths of the forms, longest first
    private readonly List<string> _freshForms = []; // forms not yet in a search level
    private readonly HashSet<string> _headerOnly = new(StringComparer.Ordinal); // ordinary cookie values: see IsSearched

    // Search levels of geometrically growing size, merged like a binary counter, so a new secret
    // per flow rebuilds only small searches: building costs O(n log n) over n forms in all, and a
    // text is searched once per level (O(log n) vectorized passes).
    private readonly List<SearchLevel> _levels = [];

    private sealed record SearchLevel(List<string> Forms, SearchValues<string> Search);

    /// <summary>Grows by one for each secret learned, so callers can tell whether anything new arrived.</summary>
    public int Version { get; private set; }

    public IReadOnlyDictionary<string, string> Secrets => _placeholders;

    /// <summary>
    /// Learns <paramref name="secret"/> under a fresh placeholder of <paramref name="kind"/>, unless known or itself a placeholder.
    /// One not <paramref name="searched"/> (an ordinary cookie value, <see cref="CookieSecretShape"/>) gets a placeholder for
    /// the header it came in but is not looked for elsewhere, until some source learns it as a searched secret.
    /// </summary>
    public void Add(string secret, string kind, bool searched = true)
    {
        if (secret.Length == 0 || RedactionPlaceholder.IsPlaceholder(secret))
        {
            return;
        }

        if (_placeholders.TryGetValue(secret, out var known))
        {
            if (searched && _headerOnly.Remove(secret))
            {
                Remember(secret, known); // learned again, so a writer scrubs the flows it already wrote of it
            }

            return;
        }

        if (!searched)
        {
            _headerOnly.Add(secret);
        }

        var ordinal = _lastOrdinal.GetValueOrDefault(kind) + 1;
        _lastOrdinal[kind] = ordinal;
        Remember(secret, RedactionPlaceholder.Format(kind, ordinal));
    }

    /// <summary>Another reading of a known secret (a raw <c>+</c> read as a plus, not a space): the same placeholder, unless already known.</summary>
    public void AddSpelling(string secret, string placeholder)
    {
        if (secret.Length > 0 && !_placeholders.ContainsKey(secret) && !RedactionPlaceholder.IsPlaceholder(secret))
        {
            Remember(secret, placeholder);
        }
    }

    /// <summary>A secret whose placeholder is fixed by name (a value-sourced placeholder the replay restores).</summary>
    public void AddFixed(string secret, string placeholder)
    {
        if (secret.Length > 0)
        {
            _placeholders.Remove(secret);
            _headerOnly.Remove(secret);
            Remember(secret, placeholder);
        }
    }

    /// <summary>Marks the placeholders already in <paramref name="text"/> as taken, so a new secret never reuses one (appending to, or redacting, an older cassette).</summary>
    public void Reserve(string text)
    {
        foreach (var (kind, ordinal) in RedactionPlaceholder.FindAll(text))
        {
            if (_lastOrdinal.GetValueOrDefault(kind) < ordinal)
            {
                _lastOrdinal[kind] = ordinal;
            }
        }
    }

    /// <summary>The placeholder of a known secret, searched or not: for the credential header it came in.</summary>
    public string? PlaceholderOf(string secret) => _placeholders.GetValueOrDefault(secret);

    /// <summary>
    /// Whether <paramref name="secret"/> is looked for outside the place it was learned from: the one rule for
    /// every search (<see cref="Replace"/>, query values, a writer's rescan, <c>scan</c>). Not when it is
    /// shorter than the minimum (too likely to hit innocent text), nor an ordinary cookie value.
    /// </summary>
    public bool IsSearched(string secret) => secret.Length >= minimumSecretLength && !_headerOnly.Contains(secret);

    /// <summary>The placeholder of a known secret that is searched for everywhere (<see cref="IsSearched"/>), or null.</summary>
    public string? SearchedPlaceholderOf(string secret) => IsSearched(secret) ? PlaceholderOf(secret) : null;

    /// <summary><paramref name="text"/> with every known secret, in any of its forms, replaced by its placeholder.</summary>
    public string Replace(string text)
    {
        if (_placeholders.Count == 0 || text.Length == 0)
        {
            return text;
        }

        Compile();
        var at = Next(text, 0);
        if (at < 0)
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var copied = 0;
        while (at >= 0)
        {
            var position = copied + at;
            var skip = PlaceholderAround(text, position);
            if (skip > 0)
            {
                output.Append(text, copied, skip - copied); // inside a placeholder: keep it whole
                copied = skip;
            }
            else if (LongestFormAt(text, position) is { } form)
            {
                output.Append(text, copied, position - copied).Append(_forms[form]);
                copied = position + form.Length;
            }
            else
            {
                output.Append(text, copied, position + 1 - copied);
                copied = position + 1;
            }

            at = copied < text.Length ? Next(text, copied) : -1;
        }

        return output.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The secrets learned after <paramref name="version"/>, in learning order.</summary>
    public IEnumerable<string> LearnedSince(int version) => _learned.Skip(version);

    /// <summary>
    /// The forms a secret takes on the wire and in bodies: as is, percent-encoded the ways common
    /// encoders do it (both space styles, upper- and lowercase hex), JSON-escaped (also PHP's
    /// <c>\/</c>, lowercase <c>\u</c> escapes and non-ASCII left as is), base64 and base64url,
    /// padded or not.
    /// None for a secret that is not searched (<see cref="IsSearched"/>); forms shorter than the minimum
    /// are left alone, too likely to hit innocent text.
    /// </summary>
    public IEnumerable<string> FormsOf(string secret)
    {
        if (!IsSearched(secret))
        {
            yield break;
        }

        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        var base64Url = base64.Replace('+', '-').Replace('/', '_');
        var json = JsonEncodedText.Encode(secret).ToString();
        List<string> percent = [];
        foreach (var keep in PercentEncodingStyles)
        {
            var escaped = PercentEncode(secret, keep);
            percent.AddRange([escaped, escaped.Replace("%20", "+", StringComparison.Ordinal)]);
        }

        string[] forms =
        [
            secret, .. percent, .. percent.Select(LowerHex),
            json, LowerHex(json), JsonEncodedText.Encode(secret, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(), secret.Replace("/", "\\/", StringComparison.Ordinal),
            base64, base64.TrimEnd('='), base64Url, base64Url.TrimEnd('='),
        ];
        foreach (var form in forms.Distinct(StringComparer.Ordinal))
        {
            if (form.Length >= minimumSecretLength)
            {
                yield return form;
            }
        }
    }

    /// <summary>
    /// What each common encoder leaves unescaped besides the unreserved characters: .NET's
    /// EscapeDataString and Go's QueryEscape nothing, Python's quote() the slash,
    /// JavaScript's encodeURIComponent <c>!'()*</c>, and curl users often nothing at all but spaces.
    /// </summary>
    private static readonly string[] PercentEncodingStyles = ["", "/", "!'()*", "/:@!$'()*+,;=?"];

    /// <summary>Percent-encodes the UTF-8 bytes of <paramref name="text"/>, leaving unreserved characters (RFC 3986 §2.3) and <paramref name="keep"/> as they are.</summary>
    private static string PercentEncode(string text, string keep)
    {
        var output = new StringBuilder(text.Length * 3);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' || (b < 0x80 && keep.Contains(c, StringComparison.Ordinal)))
            {
                output.Append(c);
            }
            else
            {
                output.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return output.ToString();
    }

    /// <summary>The escapes in <paramref name="text"/> (<c>%2F</c>, <c>\u00E4</c>) with lowercase hex digits, as Python and many clients write them.</summary>
    private static string LowerHex(string text) => EscapeHex().Replace(text, m => m.Value.ToLowerInvariant());

    [System.Text.RegularExpressions.GeneratedRegex(@"%[0-9A-F]{2}|\\u[0-9A-F]{4}")]
    private static partial System.Text.RegularExpressions.Regex EscapeHex();

    private void Remember(string secret, string placeholder)
    {
        _placeholders[secret] = placeholder;
        _learned.Add(secret);
        Version = _learned.Count;
        foreach (var form in FormsOf(secret))
        {
            if (_forms.TryAdd(form, placeholder))
            {
                var at = _lengths.FindIndex(length => length <= form.Length);
                if (at < 0 || _lengths[at] != form.Length)
                {
                    _lengths.Insert(at < 0 ? _lengths.Count : at, form.Length);
                }

                _freshForms.Add(form);
            }
        }
    }

    private void Compile()
    {
        if (_freshForms.Count == 0)
        {
            return;
        }

        var level = new List<string>(_freshForms);
        _freshForms.Clear();
        while (_levels.Count > 0 && _levels[^1].Forms.Count <= 2 * level.Count)
        {
            level.AddRange(_levels[^1].Forms);
            _levels.RemoveAt(_levels.Count - 1);
        }

        _levels.Add(new SearchLevel(level, SearchValues.Create([.. level], StringComparison.Ordinal)));
    }

    /// <summary>The first position at or after <paramref name="from"/> where a form may start (relative to <paramref name="from"/>), or -1.</summary>
    private int Next(string text, int from)
    {
        var span = text.AsSpan(from);
        var first = -1;
        foreach (var level in _levels)
        {
            var at = span.IndexOfAny(level.Search);
            if (at >= 0 && (first < 0 || at < first))
            {
                first = at;
            }
        }

        return first;
    }

    private string? LongestFormAt(string text, int position)
    {
        var forms = _forms.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var length in _lengths)
        {
            if (position + length <= text.Length && forms.TryGetValue(text.AsSpan(position, length), out var form, out _))
            {
                return form;
            }
        }

        return null;
    }

    /// <summary>The end of a placeholder that covers <paramref name="position"/>, or 0.</summary>
    private static int PlaceholderAround(string text, int position)
    {
        var open = text.LastIndexOf('<', position);
        if (open < 0)
        {
            return 0;
        }

        var close = text.IndexOf('>', open);
        return close >= position && close - open < 64 && RedactionPlaceholder.IsPlaceholder(text[open..(close + 1)]) ? close + 1 : 0;
    }
}
