using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// The one bytes-to-text decision for bodies: a byte order mark (UTF-8, UTF-16 or UTF-32) wins over the Content-Type's
/// charset, which wins over UTF-16 or UTF-32 JSON told by its NULs, then the UTF-8 default
/// (WHATWG Encoding §6 "decode", as browsers do, with RFC 4627's JSON rule before the default);
/// invalid bytes become U+FFFD rather than throwing. It sits in <c>Http/</c> beside
/// <see cref="ContentTypeHeader"/> because <see cref="HttpMessage.Text"/> needs it; the content
/// layer (<c>MitmFixture.Content.TextDecoding</c>) builds its text-or-binary check on it.
/// </summary>
internal static class BodyCharset
{
    /// <summary>The encoding <paramref name="bytes"/> are in, with a byte order mark sliced off when there is one.</summary>
    public static Encoding Detect(ref ReadOnlySpan<byte> bytes, Encoding? declared)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
            return Encoding.UTF8;
        }

        // UTF-32's marks before UTF-16's, which FF FE 00 00 also starts with (as .NET's StreamReader and
        // Python's json read them; WHATWG knows no UTF-32, but a text body that starts with U+0000 is no text).
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]))
        {
            bytes = bytes[4..];
            return Encoding.UTF32;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]))
        {
            bytes = bytes[4..];
            return Utf32BigEndian;
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

        return declared ?? WideJson(bytes) ?? Encoding.UTF8;
    }

    private static readonly Encoding Utf32BigEndian = new UTF32Encoding(bigEndian: true, byteOrderMark: false);

    /// <summary>
    /// UTF-16 or UTF-32 JSON without a byte order mark or charset, told by its NULs: a JSON text's
    /// first two characters are ASCII, so the pattern of NULs in its first four bytes names the
    /// encoding (RFC 4627 §3; RFC 8259 §8.1 keeps the detection for those encodings). Only taken when
    /// the first character opens JSON (<c>{</c>, <c>[</c>, whitespace), so binary with NULs stays binary.
    /// </summary>
    private static Encoding? WideJson(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
        {
            return null;
        }

        var (encoding, first) = (bytes[0], bytes[1], bytes[2], bytes[3]) switch
        {
            (0, 0, 0, not 0) => (Utf32BigEndian, bytes[3]),
            (0, not 0, 0, not 0) => (Encoding.BigEndianUnicode, bytes[1]),
            (not 0, 0, 0, 0) => (Encoding.UTF32, bytes[0]),
            (not 0, 0, not 0, 0) => (Encoding.Unicode, bytes[0]),
            _ => ((Encoding?)null, (byte)0),
        };
        return first is (byte)'{' or (byte)'[' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' ? encoding : null;
    }

    /// <summary>The text of <paramref name="bytes"/>, never throwing: the encodings used replace what they cannot decode.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, Encoding? declared) => Detect(ref bytes, declared).GetString(bytes);

    /// <summary><see cref="Decode(ReadOnlySpan{byte}, Encoding?)"/> with the charset a Content-Type value names.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? contentType) => Decode(bytes, ContentTypeHeader.Parse(contentType).Charset);
}
