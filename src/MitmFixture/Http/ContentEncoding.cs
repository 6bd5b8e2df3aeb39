using System.Globalization;
using System.IO.Compression;
using ZstdSharp;

namespace MitmFixture.Http;

/// <summary>
/// Content-Encoding codecs: gzip, deflate (zlib or raw), br from the BCL and zstd (RFC 8878) from
/// ZstdSharp. Decoding is bounded: a body that would expand past the limit (a decompression bomb,
/// 1 MB of gzip that inflates to 1 GiB) is given up on without ever holding more than a small
/// buffer of its output, and the caller keeps the encoded bytes.
/// </summary>
internal static class ContentEncoding
{
    // Bodies up to this size decode in one pass; a larger one is measured first (without keeping
    // its output), then decoded once into an array of exactly its size, so a bomb costs CPU, not memory.
    private const int SinglePassBytes = 1024 * 1024;

    public static bool IsIdentity(string? encoding) =>
        string.IsNullOrWhiteSpace(encoding) || encoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    /// <summary>Undoes every listed coding, last applied first (RFC 9110 §8.4), within the default limit of <see cref="HttpLimits.MaxDecodedBodyBytes"/>.</summary>
    public static bool TryDecode(byte[] body, string? encoding, out byte[] decoded) =>
        TryDecode(body, encoding, HttpLimits.DefaultMaxDecodedBodyBytes, out decoded, out _);

    /// <summary>
    /// Undoes every listed coding, last applied first (RFC 9110 §8.4). False, with
    /// <paramref name="decoded"/> the input and <paramref name="problem"/> saying why, when a coding
    /// is unknown, the data is corrupt, or any stage would exceed <paramref name="maxDecodedBytes"/>.
    /// </summary>
    public static bool TryDecode(byte[] body, string? encoding, long maxDecodedBytes, out byte[] decoded, out string? problem)
    {
        decoded = body;
        problem = null;
        if (IsIdentity(encoding) || body.Length == 0)
        {
            return true;
        }

        var codings = encoding!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var current = body;
        for (var i = codings.Length - 1; i >= 0; i--)
        {
            var coding = codings[i].ToLowerInvariant();
            if (coding == "identity")
            {
                continue;
            }

            if (Opener(coding) is null)
            {
                problem = $"unsupported Content-Encoding '{codings[i]}'";
                return false;
            }

            try
            {
                current = coding == "deflate" ? InflateDeflate(current, maxDecodedBytes) : Inflate(current, coding, maxDecodedBytes);
            }
            catch (DecodeLimitExceededException)
            {
                problem = $"the {coding} body expands past the decoding limit of {FormatSize(maxDecodedBytes)} (decode_limit); kept encoded";
                return false;
            }
            // BrotliStream reports corrupt input as InvalidOperationException ("Decoder ran into
            // invalid data"), the zlib family InvalidDataException, ZstdSharp ZstdException.
            catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException or ZstdException or ArgumentException)
            {
                problem = $"cannot decode the {coding} body: {e.Message}";
                return false;
            }
        }

        decoded = current;
        return true;
    }

    public static bool TryEncode(byte[] body, string encoding, out byte[] encoded)
    {
        encoded = body;
        var codings = encoding.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var coding in codings)
        {
            switch (coding.ToLowerInvariant())
            {
                case "identity":
                    break;
                case "gzip" or "x-gzip":
                    encoded = Deflate(encoded, s => new GZipStream(s, CompressionLevel.Fastest, leaveOpen: true));
                    break;
                case "br":
                    encoded = Deflate(encoded, s => new BrotliStream(s, CompressionLevel.Fastest, leaveOpen: true));
                    break;
                case "deflate":
                    encoded = Deflate(encoded, s => new ZLibStream(s, CompressionLevel.Fastest, leaveOpen: true));
                    break;
                case "zstd":
                    encoded = Deflate(encoded, s => new CompressionStream(s, level: 3, leaveOpen: true));
                    break;
                default:
                    encoded = body;
                    return false;
            }
        }

        return true;
    }

    /// <summary>A size the way options write it: <c>64m</c>, <c>512k</c>, or bytes.</summary>
    public static string FormatSize(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)}m" : bytes % 1024 == 0 ? $"{bytes / 1024}k" : bytes.ToString(CultureInfo.InvariantCulture);

    private static Func<Stream, Stream>? Opener(string coding) => coding switch
    {
        "gzip" or "x-gzip" => s => new GZipStream(s, CompressionMode.Decompress),
        "br" => s => new BrotliStream(s, CompressionMode.Decompress),
        "deflate" => s => new ZLibStream(s, CompressionMode.Decompress),
        "raw-deflate" => s => new DeflateStream(s, CompressionMode.Decompress),
        "zstd" => s => new DecompressionStream(s),
        _ => null,
    };

    private static byte[] InflateDeflate(byte[] data, long limit)
    {
        // "deflate" is zlib-wrapped by the RFC, but some servers send raw deflate (mitmproxy accepts both).
        try
        {
            return Inflate(data, "deflate", limit);
        }
        catch (InvalidDataException)
        {
            return Inflate(data, "raw-deflate", limit);
        }
    }

    private static byte[] Inflate(byte[] data, string coding, long limit)
    {
        var open = Opener(coding)!; // callers checked the coding
        var buffer = new byte[81920];
        using var first = new MemoryStream();
        long total = 0;
        using (var stream = open(new MemoryStream(data, writable: false)))
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                total += n;
                if (total > limit)
                {
                    throw new DecodeLimitExceededException();
                }

                if (total <= SinglePassBytes)
                {
                    first.Write(buffer, 0, n);
                }
            }
        }

        if (total <= SinglePassBytes)
        {
            return first.ToArray();
        }

        // Measured and within the limit: decode again straight into an array of the exact size.
        var output = new byte[total];
        using var again = open(new MemoryStream(data, writable: false));
        again.ReadExactly(output);
        return output;
    }

    private static byte[] Deflate(byte[] data, Func<Stream, Stream> compressor)
    {
        using var output = new MemoryStream();
        using (var stream = compressor(output))
        {
            stream.Write(data);
        }

        return output.ToArray();
    }

    private sealed class DecodeLimitExceededException : Exception;
}
