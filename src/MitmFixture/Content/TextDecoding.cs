using System.Text;
using System.Text.Unicode;
using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// Bytes to text the way a browser would pick the encoding (<see cref="BodyCharset"/>: BOM, then
/// charset, then UTF-8), and whether the result is text at all. Views, snapshots, the report,
/// replay matching and cassettes all ask here.
/// </summary>
internal static class TextDecoding
{
    /// <summary>mitmproxy's <c>is_mostly_bin</c>: over 30% odd characters in the first 100 means binary.</summary>
    private const int SampleLength = 100;

    /// <summary>
    /// The text, or false when it is not text: invalid UTF-8 where UTF-8 applies, or mostly
    /// control characters. With <paramref name="lenient"/> invalid bytes become U+FFFD instead
    /// (markup and forms are still worth formatting with a stray Latin-1 byte in them).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, Encoding? charset, bool lenient, out string text)
    {
        var encoding = BodyCharset.Detect(ref bytes, charset);
        if (!lenient && encoding.CodePage == Encoding.UTF8.CodePage && !Utf8.IsValid(bytes))
        {
            text = "";
            return false;
        }

        text = encoding.GetString(bytes);
        return !LooksBinary(text);
    }

    /// <summary>The text whatever the bytes: invalid ones become U+FFFD (forms, matching keys).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, Encoding? charset) => BodyCharset.Decode(bytes, charset);

    /// <summary><see cref="TryDecode(ReadOnlySpan{byte}, Encoding?, bool, out string)"/> with the charset a Content-Type value names.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, string? contentType, bool lenient, out string text) =>
        TryDecode(bytes, ContentTypeHeader.Parse(contentType).Charset, lenient, out text);

    /// <summary>
    /// The body as stored text in a cassette: only valid UTF-8 without NUL, so that writing the
    /// text back as UTF-8 gives the same bytes (a byte order mark stays, as U+FEFF, for that reason).
    /// </summary>
    public static bool TryExactUtf8(ReadOnlySpan<byte> bytes, out string text)
    {
        if (!IsExactUtf8(bytes))
        {
            text = "";
            return false;
        }

        text = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>What <see cref="TryExactUtf8"/> accepts, without decoding: valid UTF-8 with no NUL.</summary>
    public static bool IsExactUtf8(ReadOnlySpan<byte> bytes) => Utf8.IsValid(bytes) && !bytes.Contains((byte)0);

    public static bool LooksBinary(ReadOnlySpan<char> text)
    {
        var sample = text[..Math.Min(text.Length, SampleLength)];
        var odd = 0;
        foreach (var c in sample)
        {
            if ((char.IsControl(c) && c is not ('\t' or '\n' or '\r' or '\f')) || c == '\uFFFD')
            {
                odd++;
            }
        }

        return odd * 10 > sample.Length * 3;
    }
}
