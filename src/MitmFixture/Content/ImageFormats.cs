using System.Diagnostics.CodeAnalysis;

namespace MitmFixture.Content;

/// <summary>
/// Recognises an image by its magic bytes and reads its header. Each reader checks every length
/// before reading, so truncated or lying headers give false (or fewer details), never an exception.
/// </summary>
internal static class ImageFormats
{
    public static bool TryIdentify(ReadOnlySpan<byte> data, [NotNullWhen(true)] out ImageInfo? image)
    {
        image = PngFormat.Read(data)
            ?? JpegFormat.Read(data)
            ?? GifFormat.Read(data)
            ?? WebPFormat.Read(data)
            ?? BmpFormat.Read(data)
            ?? IcoFormat.Read(data);
        return image is not null;
    }
}
