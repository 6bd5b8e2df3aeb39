using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MitmFixture.Cassettes;

/// <summary>
/// Every secret a cassette has shown so far and its placeholder: one per secret, numbered by
/// kind in the order learned, so the same token reads the same in the token response and in
/// every later request. Replacement runs in one left-to-right pass that steps over placeholders
/// already in the text, so running it again on redacted text changes nothing.
/// </summary>
internal sealed class SecretBook(int minimumSecretLength)
{
    private readonly Dictionary<string, string> _placeholders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _lastOrdinal = new(StringComparer.Ordinal);
    private Dictionary<string, string>? _forms;
    private Regex? _finder;

    /// <summary>Grows by one for each secret learned, so callers can tell whether anything new arrived.</summary>
    public int Version { get; private set; }

    public IReadOnlyDictionary<string, string> Secrets => _placeholders;

    /// <summary>Learns <paramref name="secret"/> under a fresh placeholder of <paramref name="kind"/>, unless known or itself a placeholder.</summary>
    public void Add(string secret, string kind)
    {
        if (secret.Length == 0 || _placeholders.ContainsKey(secret) || RedactionPlaceholder.IsPlaceholder(secret))
        {
            return;
        }

        var ordinal = _lastOrdinal.GetValueOrDefault(kind) + 1;
        _lastOrdinal[kind] = ordinal;
        Remember(secret, RedactionPlaceholder.Format(kind, ordinal));
    }

    /// <summary>A secret whose placeholder is fixed by name (a value-sourced placeholder the replay restores).</summary>
    public void AddFixed(string secret, string placeholder)
    {
        if (secret.Length > 0)
        {
            _placeholders.Remove(secret);
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

    public string? PlaceholderOf(string secret) => _placeholders.GetValueOrDefault(secret);

    /// <summary><paramref name="text"/> with every known secret, in any of its forms, replaced by its placeholder.</summary>
    public string Replace(string text)
    {
        if (_placeholders.Count == 0 || text.Length == 0)
        {
            return text;
        }

        if (_finder is null || _forms is null)
        {
            Compile();
        }

        var forms = _forms!; // compiled just above
        return _finder!.Replace(text, m => m.Groups["placeholder"].Success ? m.Value : forms[m.Value]);
    }

    /// <summary>
    /// The forms a secret takes on the wire and in bodies: as is, percent-encoded (both space
    /// styles), JSON-escaped (also PHP's <c>\/</c>), base64 and base64url, padded or not.
    /// Forms shorter than the minimum are left alone, too likely to hit innocent text.
    /// </summary>
    public IEnumerable<string> FormsOf(string secret)
    {
        if (secret.Length < minimumSecretLength)
        {
            yield break;
        }

        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        var base64Url = base64.Replace('+', '-').Replace('/', '_');
        var escaped = Uri.EscapeDataString(secret);
        foreach (var form in new[]
        {
            secret, escaped, escaped.Replace("%20", "+", StringComparison.Ordinal),
            JsonEncodedText.Encode(secret).ToString(), secret.Replace("/", "\\/", StringComparison.Ordinal),
            base64, base64.TrimEnd('='), base64Url, base64Url.TrimEnd('='),
        }.Distinct(StringComparer.Ordinal))
        {
            if (form.Length >= minimumSecretLength)
            {
                yield return form;
            }
        }
    }

    private void Remember(string secret, string placeholder)
    {
        _placeholders[secret] = placeholder;
        _finder = null;
        _forms = null;
        Version++;
    }

    private void Compile()
    {
        var forms = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (secret, placeholder) in _placeholders)
        {
            foreach (var form in FormsOf(secret))
            {
                forms.TryAdd(form, placeholder);
            }
        }

        // Longest first, so a secret wins over its own prefix; placeholders first of all, so
        // nothing inside one is ever taken for a secret.
        var alternatives = forms.Keys.OrderByDescending(f => f.Length).Select(Regex.Escape);
        var pattern = $"(?<placeholder>{RedactionPlaceholder.Pattern})" + (forms.Count > 0 ? "|" + string.Join('|', alternatives) : "");
        _finder = new Regex(pattern, RegexOptions.CultureInvariant);
        _forms = forms;
    }
}
