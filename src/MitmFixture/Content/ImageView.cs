namespace MitmFixture.Content;

/// <summary>
/// PNG, JPEG, GIF, WebP, BMP and ICO described from their headers: a summary line, then
/// <c>Name: value</c> details (mitmproxy's image view without the Pillow part). SVG is XML and
/// goes to the XML/HTML view.
/// </summary>
internal static class ImageView
{
    public const string Name = "Image";

    public static bool TryRender(byte[] body, LineCollector lines)
    {
        if (!ImageFormats.TryIdentify(body, out var image))
        {
            return false;
        }

        lines.Add(image.Summary);
        foreach (var (name, value) in image.Details)
        {
            lines.AddText($"{name}: {value}");
        }

        return true;
    }
}
