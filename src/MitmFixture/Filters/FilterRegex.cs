using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace MitmFixture.Filters;

/// <summary>How an operator's regex is compiled, mirroring the flags of mitmproxy's filter classes.</summary>
[Flags]
internal enum RegexMode
{
    /// <summary>A <c>str</c> pattern searching text (mitmproxy's <c>is_binary = False</c>: ~u ~d ~src ~dst ~meta ~marker ~comment).</summary>
    Text = 0,

    /// <summary>
    /// A <c>bytes</c> pattern searching raw bytes (~b ~h ~m ~t ...). Python encodes the pattern as UTF-8
    /// and searches bytes; here both sides are turned into Latin-1 strings (one char per byte), which
    /// keeps that meaning: <c>\x89PNG</c> finds a PNG signature, <c>é</c> finds its UTF-8 bytes.
    /// </summary>
    Bytes = 1,

    /// <summary><c>re.MULTILINE</c>: ^ and $ at every line (header lines, metadata, comments).</summary>
    Multiline = 2,

    /// <summary><c>re.DOTALL</c>: . matches newlines too (bodies).</summary>
    DotAll = 4,
}

/// <summary>
/// A filter regex: Python syntax translated to .NET, compiled once, case-insensitive and
/// culture-invariant, searched (unanchored, as <c>re.search</c>) under a timeout.
/// </summary>
internal sealed class FilterRegex
{
    private static long s_timeouts;
    private readonly Regex _regex;

    private FilterRegex(string source, RegexMode mode, Regex regex)
    {
        Source = source;
        Mode = mode;
        _regex = regex;
    }

    /// <summary>The pattern as the user wrote it, after unquoting.</summary>
    public string Source { get; }

    public RegexMode Mode { get; }

    /// <summary>How many searches gave up at their timeout since start (they count as no match).</summary>
    public static long Timeouts => Interlocked.Read(ref s_timeouts);

    /// <summary>Compiles <paramref name="source"/>; throws <see cref="ArgumentException"/> when it is not a valid regex.</summary>
    public static FilterRegex Create(string source, RegexMode mode, TimeSpan matchTimeout)
    {
        var pattern = PythonRegexTranslator.Translate(source);
        if ((mode & RegexMode.Bytes) != 0 && !Ascii.IsValid(pattern))
        {
            // Python: re.compile(expr.encode()) — non-ASCII pattern characters become their UTF-8 bytes.
            pattern = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(pattern));
        }

        // Every operator ignores case, as mitmproxy does since 11.1 (mitmproxy#7457, #7458).
        var options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
        if ((mode & RegexMode.Multiline) != 0)
        {
            options |= RegexOptions.Multiline;
        }

        if ((mode & RegexMode.DotAll) != 0)
        {
            options |= RegexOptions.Singleline;
        }

        return new FilterRegex(source, mode, new Regex(pattern, options, matchTimeout));
    }

    /// <summary>Searches text; for <see cref="RegexMode.Bytes"/> the text must hold one char per byte (Latin-1).</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        try
        {
            return _regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            // A runaway pattern must not stall the proxy: the search counts as no match.
            Interlocked.Increment(ref s_timeouts);
            return false;
        }
    }

    /// <summary>Searches raw bytes, each byte read as the char of the same code (see <see cref="RegexMode.Bytes"/>).</summary>
    public bool IsMatchBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length <= 256)
        {
            Span<char> small = stackalloc char[bytes.Length];
            Encoding.Latin1.GetChars(bytes, small);
            return IsMatch(small);
        }

        var rented = ArrayPool<char>.Shared.Rent(bytes.Length);
        try
        {
            var chars = rented.AsSpan(0, bytes.Length);
            Encoding.Latin1.GetChars(bytes, chars);
            return IsMatch(chars);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>mitmproxy's <c>regex_str</c>: <c>/source/flags</c>, flags from i, m, s.</summary>
    public override string ToString()
    {
        var flags = "i";
        if ((Mode & RegexMode.Multiline) != 0)
        {
            flags += "m";
        }

        if ((Mode & RegexMode.DotAll) != 0)
        {
            flags += "s";
        }

        return $"/{Source}/{flags}";
    }
}
