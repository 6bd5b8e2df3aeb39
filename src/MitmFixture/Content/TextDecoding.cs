using System.Text;
using System.Text.Unicode;

namespace MitmFixture.Content;

/// <summary>Bytes to text the way a browser would pick the encoding (BOM, then charset, then UTF-8), and whether the result is text at all.</summary>
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
        var encoding = FromBom(ref bytes) ?? charset ?? Encoding.UTF8;
        if (!lenient && encoding.CodePage == Encoding.UTF8.CodePage && !Utf8.IsValid(bytes))
        {
            text = "";
            return false;
        }

        text = encoding.GetString(bytes);
        return !LooksBinary(text);
    }

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

    /// <summary>A byte order mark wins over the declared charset (WHATWG Encoding, "decode").</summary>
    private static Encoding? FromBom(ref ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
            return Encoding.UTF8;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            bytes = bytes[2..];
            return Encoding.Unicode;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            bytes = bytes[2..];
            return Encoding.BigEndianUnicode;
        }

        return null;
    }
}
