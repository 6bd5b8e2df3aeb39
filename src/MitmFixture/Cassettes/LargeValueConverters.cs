using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitmFixture.Cassettes;

/// <summary>
/// Bytes as base64, written in segments: Utf8JsonWriter refuses one base64 value past 125,000,000
/// bytes, so a body larger than that could not be recorded whole. Read back in one piece.
/// </summary>
internal sealed class LargeBase64Converter : JsonConverter<byte[]>
{
    /// <summary>A multiple of 3, so no segment but the last is padded.</summary>
    private const int SegmentBytes = 3 * 256 * 1024;

    public override byte[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetBytesFromBase64();

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
    {
        if (value.Length <= SegmentBytes)
        {
            writer.WriteBase64StringValue(value);
            return;
        }

        for (var at = 0; at < value.Length; at += SegmentBytes)
        {
            var length = Math.Min(SegmentBytes, value.Length - at);
            writer.WriteBase64StringSegment(value.AsSpan(at, length), isFinalSegment: at + length == value.Length);
        }
    }
}

/// <summary>
/// A body's text kept as its UTF-8 bytes: written as a JSON string in segments (Utf8JsonWriter
/// refuses one string value past 166,666,666 bytes), read back unescaped. A 200 MiB text body costs
/// its size here, not a 400 MiB string (issue 19, recording large bodies).
/// </summary>
internal sealed class Utf8TextConverter : JsonConverter<byte[]>
{
    private const int SegmentBytes = 1024 * 1024;

    public override byte[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected text");
        }

        var raw = reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray();
        if (reader.ValueIsEscaped)
        {
            try
            {
                var length = reader.CopyString(raw); // unescaped text is never longer than its escaped form
                raw = raw[..length];
            }
            catch (InvalidOperationException)
            {
                throw new JsonException("expected text (an escape is not valid UTF-16)");
            }
        }

        return System.Text.Unicode.Utf8.IsValid(raw) ? raw : throw new JsonException("expected UTF-8 text");
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
    {
        if (value.Length <= SegmentBytes)
        {
            writer.WriteStringValue(value);
            return;
        }

        var at = 0;
        while (at < value.Length)
        {
            var length = Math.Min(SegmentBytes, value.Length - at);
            while (at + length < value.Length && (value[at + length] & 0xC0) == 0x80)
            {
                length--; // a character's bytes stay in one segment
            }

            writer.WriteStringValueSegment(value.AsSpan(at, length), isFinalSegment: at + length == value.Length);
            at += length;
        }
    }
}

/// <summary>
/// A string written in segments: Utf8JsonWriter refuses one string value past 166,666,666 characters,
/// which a HAR's base64 text reaches at a body of 125,000,000 bytes. Read back in one piece.
/// </summary>
internal sealed class LargeStringConverter : JsonConverter<string>
{
    private const int SegmentChars = 1024 * 1024;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : reader.GetString();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        if (value.Length <= SegmentChars)
        {
            writer.WriteStringValue(value);
            return;
        }

        var at = 0;
        while (at < value.Length)
        {
            var length = Math.Min(SegmentChars, value.Length - at);
            if (at + length < value.Length && char.IsHighSurrogate(value[at + length - 1]))
            {
                length--; // a surrogate pair stays in one segment
            }

            writer.WriteStringValueSegment(value.AsSpan(at, length), isFinalSegment: at + length == value.Length);
            at += length;
        }
    }
}
