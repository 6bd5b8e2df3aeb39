using System.Text;

namespace MitmFixture.Http;

/// <summary>
/// The one bytes-to-text decision for bodies: a byte order mark wins over the Content-Type's
/// charset, which wins over the UTF-8 default (WHATWG Encoding §6 "decode", as browsers do);
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

        return declared ?? Encoding.UTF8;
    }

    /// <summary>The text of <paramref name="bytes"/>, never throwing: the encodings used replace what they cannot decode.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, Encoding? declared) => Detect(ref bytes, declared).GetString(bytes);

    /// <summary><see cref="Decode(ReadOnlySpan{byte}, Encoding?)"/> with the charset a Content-Type value names.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string? contentType) => Decode(bytes, ContentTypeHeader.Parse(contentType).Charset);
}
