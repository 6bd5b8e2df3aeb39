using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// The content layer's answers about a Content-Type value for the tools on top (the console's
/// flow list and editors), so they never take a header apart themselves.
/// </summary>
internal static class ContentKind
{
    /// <summary>The lower-cased media type without parameters ("text/html" for "Text/HTML; charset=utf-8"); empty when absent.</summary>
    public static string MediaTypeOf(string? contentType) => ContentTypeHeader.Parse(contentType).MediaType;

    /// <summary>Whether the value names an application/x-www-form-urlencoded body.</summary>
    public static bool IsUrlEncodedForm(string? contentType) => MediaType.IsForm(contentType);

    /// <summary>Whether the value names JSON: application/json or a +json type (RFC 6839), as the JSON view decides.</summary>
    public static bool IsJson(string? contentType) => MediaType.IsJson(contentType);

    /// <summary>The file extension an external editor should see, so it picks a fitting mode: ".json", ".html", ".xml" or ".txt".</summary>
    public static string EditorExtension(string? contentType)
    {
        var parsed = ContentTypeHeader.Parse(contentType);
        return parsed.MediaType switch
        {
            _ when MediaType.IsJson(parsed) => ".json",
            "text/html" or "application/xhtml+xml" => ".html",
            _ when MediaType.IsXmlOrHtml(parsed) => ".xml",
            _ => ".txt",
        };
    }
}
