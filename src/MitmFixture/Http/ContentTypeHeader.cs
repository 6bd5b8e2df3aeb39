using System.Text;

namespace MitmFixture.Http;

/// <summary>A Content-Type value taken apart (RFC 9110 §8.3.1): the lower-cased media type and its parameters.</summary>
internal sealed record ContentTypeHeader(string MediaType, IReadOnlyDictionary<string, string> Parameters)
{
    public static readonly ContentTypeHeader None = new("", new Dictionary<string, string>());

    /// <summary>The declared charset when .NET knows it; null when absent or unknown (callers then assume UTF-8).</summary>
    public Encoding? Charset => Parameters.TryGetValue("charset", out var name) ? EncodingNamed(name) : null;

    public string? Boundary => Parameters.GetValueOrDefault("boundary");

    public static ContentTypeHeader Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return None;
        }

        var pieces = SplitOutsideQuotes(value);
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var piece in pieces.Skip(1))
        {
            var eq = piece.IndexOf('=');
            if (eq > 0)
            {
                parameters.TryAdd(piece[..eq].Trim(), Unquote(piece[(eq + 1)..].Trim()));
            }
        }

        return new ContentTypeHeader(pieces[0].Trim().ToLowerInvariant(), parameters);
    }

    /// <summary>
    /// The built-in encodings, then the legacy code pages (windows-1252, shift_jis…) asked of
    /// their provider directly so nothing is registered process-wide.
    /// </summary>
    public static Encoding? EncodingNamed(string name)
    {
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return CodePagesEncodingProvider.Instance.GetEncoding(name);
        }
    }

    private static List<string> SplitOutsideQuotes(string value)
    {
        var pieces = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '"')
            {
                quoted = !quoted;
            }
            else if (value[i] == ';' && !quoted)
            {
                pieces.Add(value[start..i]);
                start = i + 1;
            }
        }

        pieces.Add(value[start..]);
        return pieces;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;
}
