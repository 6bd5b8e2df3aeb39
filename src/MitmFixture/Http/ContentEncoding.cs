using System.IO.Compression;

namespace MitmFixture.Http;

/// <summary>
/// Content-Encoding codecs the BCL provides: gzip, deflate (zlib or raw), br. zstd has no BCL
/// codec in .NET 10, so zstd bodies are kept and shown encoded.
/// </summary>
public static class ContentEncoding
{
    public static bool IsIdentity(string? encoding) =>
        string.IsNullOrWhiteSpace(encoding) || encoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    /// <summary>Undoes every listed coding, last applied first (RFC 9110 §8.4).</summary>
    public static bool TryDecode(byte[] body, string? encoding, out byte[] decoded)
    {
        decoded = body;
        if (IsIdentity(encoding) || body.Length == 0)
        {
            return true;
        }

        var codings = encoding!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            for (var i = codings.Length - 1; i >= 0; i--)
            {
                decoded = codings[i].ToLowerInvariant() switch
                {
                    "identity" => decoded,
                    "gzip" or "x-gzip" => Inflate(new GZipStream(new MemoryStream(decoded), CompressionMode.Decompress)),
                    "br" => Inflate(new BrotliStream(new MemoryStream(decoded), CompressionMode.Decompress)),
                    "deflate" => InflateDeflate(decoded),
                    _ => throw new NotSupportedException(codings[i]),
                };
            }

            return true;
        }
        // BrotliStream reports corrupt input as InvalidOperationException ("Decoder ran into
        // invalid data"), where the zlib family uses InvalidDataException.
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or InvalidOperationException)
        {
            decoded = body;
            return false;
        }
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
                default:
                    encoded = body;
                    return false;
            }
        }

        return true;
    }

    private static byte[] InflateDeflate(byte[] data)
    {
        // "deflate" is zlib-wrapped by the RFC, but some servers send raw deflate (mitmproxy accepts both).
        try
        {
            return Inflate(new ZLibStream(new MemoryStream(data), CompressionMode.Decompress));
        }
        catch (InvalidDataException)
        {
            return Inflate(new DeflateStream(new MemoryStream(data), CompressionMode.Decompress));
        }
    }

    private static byte[] Inflate(Stream stream)
    {
        using (stream)
        {
            using var output = new MemoryStream();
            stream.CopyTo(output);
            return output.ToArray();
        }
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
}
