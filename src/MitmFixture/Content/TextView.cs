using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>Text in its declared charset (UTF-8 when none), shown line by line; anything else is left to the Hex view.</summary>
internal static class TextView
{
    public const string Name = "Text";

    public static bool TryRender(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        if (!TextDecoding.TryDecode(body, contentType.Charset, lenient: false, out var text))
        {
            return false;
        }

        lines.AddText(text);
        return true;
    }
}
