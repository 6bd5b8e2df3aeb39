using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>An application/x-www-form-urlencoded body as <c>name: value</c> lines, decoded and in order.</summary>
internal static class UrlEncodedView
{
    public const string Name = "URL-encoded form";

    public static bool TryRender(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        if (!TextDecoding.TryDecode(body, contentType.Charset, lenient: true, out var text))
        {
            return false;
        }

        var pairs = FormUrlEncoding.Parse(text.Trim());
        if (pairs.Count == 0)
        {
            return false;
        }

        foreach (var (name, value) in pairs)
        {
            // A multi-line value (a textarea) continues under its first line.
            lines.AddText(name + ": " + value.Replace("\n", "\n" + new string(' ', name.Length + 2), StringComparison.Ordinal));
        }

        return true;
    }
}
