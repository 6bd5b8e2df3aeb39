using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace MitmFixture.Content;

/// <summary>PNG (RFC 2083, PNG 3rd edition): the IHDR fields, then gamma, resolution, animation and text chunks.</summary>
internal static class PngFormat
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Signature (8), IHDR length and type (8), width, height (8), depth, colour type, compression, filter, interlace (5).</summary>
    private const int HeaderLength = 29;

    public static ImageInfo? Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderLength || !data.StartsWith(Signature) || !data[12..16].SequenceEqual("IHDR"u8))
        {
            return null;
        }

        var details = new List<KeyValuePair<string, string>>
        {
            new("Bit depth", data[24].ToString(CultureInfo.InvariantCulture)),
            new("Color type", ColorType(data[25])),
            new("Interlaced", data[28] == 1 ? "yes (Adam7)" : "no"),
        };
        AddChunkDetails(data, details);
        return new ImageInfo("PNG", BinaryPrimitives.ReadUInt32BigEndian(data[16..]), BinaryPrimitives.ReadUInt32BigEndian(data[20..]), details);
    }

    private static string ColorType(byte type) => type switch
    {
        0 => "grayscale",
        2 => "RGB",
        3 => "indexed",
        4 => "grayscale with alpha",
        6 => "RGB with alpha",
        _ => $"unknown ({type})",
    };

    /// <summary>Walks the chunks (length, type, data, CRC) until IEND or a chunk that claims more bytes than there are.</summary>
    private static void AddChunkDetails(ReadOnlySpan<byte> data, List<KeyValuePair<string, string>> details)
    {
        var position = Signature.Length;
        while (position + 12 <= data.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[position..]);
            var type = Encoding.ASCII.GetString(data.Slice(position + 4, 4));
            var start = position + 8;
            if (length > (uint)(data.Length - start) || type == "IEND")
            {
                return;
            }

            var body = data.Slice(start, (int)length);
            if (Detail(type, body) is { } detail)
            {
                details.Add(detail);
            }

            position = start + (int)length + 4;
        }
    }

    private static KeyValuePair<string, string>? Detail(string type, ReadOnlySpan<byte> body) => type switch
    {
        "gAMA" when body.Length >= 4 => new("Gamma", (BinaryPrimitives.ReadUInt32BigEndian(body) / 100000.0).ToString("0.#####", CultureInfo.InvariantCulture)),
        "pHYs" when body.Length >= 9 => new("Pixels per unit", $"{BinaryPrimitives.ReadUInt32BigEndian(body)} x {BinaryPrimitives.ReadUInt32BigEndian(body[4..])}{(body[8] == 1 ? " per metre" : "")}"),
        "acTL" when body.Length >= 4 => new("Animation", $"{BinaryPrimitives.ReadUInt32BigEndian(body)} frames"),
        "tEXt" => Text(body),
        "iTXt" => InternationalText(body),
        "zTXt" when body.IndexOf((byte)0) is > 0 and var end => new(Encoding.Latin1.GetString(body[..end]), "(compressed text)"),
        _ => null,
    };

    /// <summary>tEXt: keyword, NUL, Latin-1 text.</summary>
    private static KeyValuePair<string, string>? Text(ReadOnlySpan<byte> body)
    {
        var end = body.IndexOf((byte)0);
        return end <= 0 ? null : new(Encoding.Latin1.GetString(body[..end]), Encoding.Latin1.GetString(body[(end + 1)..]));
    }

    /// <summary>iTXt: keyword, NUL, compression flag, method, language tag, NUL, translated keyword, NUL, UTF-8 text.</summary>
    private static KeyValuePair<string, string>? InternationalText(ReadOnlySpan<byte> body)
    {
        var end = body.IndexOf((byte)0);
        if (end <= 0 || end + 3 > body.Length)
        {
            return null;
        }

        var keyword = Encoding.Latin1.GetString(body[..end]);
        if (body[end + 1] != 0)
        {
            return new(keyword, "(compressed text)");
        }

        var rest = body[(end + 3)..];
        for (var skip = 0; skip < 2; skip++) // language tag, translated keyword
        {
            var nul = rest.IndexOf((byte)0);
            if (nul < 0)
            {
                return null;
            }

            rest = rest[(nul + 1)..];
        }

        return new(keyword, Encoding.UTF8.GetString(rest));
    }
}
