using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// What kind of body a Content-Type names, decided once for the views, cassettes, replay
/// matching, snapshots, redaction, the report and the console (mitmproxy's contentviews decide
/// by media type too, never by a substring of the header).
/// </summary>
internal static class MediaType
{
    public const string Form = "application/x-www-form-urlencoded";

    /// <summary>
    /// application/json and the structured-syntax suffix +json (RFC 6839 §3.1: problem+json,
    /// vnd.api+json…), plus the older names mitmproxy's JSON view also takes
    /// (application/json-rpc, text/json, application/x-json).
    /// </summary>
    public static bool IsJson(ContentTypeHeader contentType) => contentType.MediaType switch
    {
        "application/json" or "application/json-rpc" or "text/json" or "application/x-json" => true,
        var type => type.EndsWith("+json", StringComparison.Ordinal),
    };

    public static bool IsJson(string? contentType) => IsJson(ContentTypeHeader.Parse(contentType));

    /// <summary>XML, HTML and the +xml suffix (SVG, XHTML, Atom…).</summary>
    public static bool IsXmlOrHtml(ContentTypeHeader contentType) => contentType.MediaType switch
    {
        "text/html" or "text/xml" or "application/xml" => true,
        var type => type.EndsWith("+xml", StringComparison.Ordinal),
    };

    public static bool IsForm(ContentTypeHeader contentType) => contentType.MediaType == Form;

    public static bool IsForm(string? contentType) => IsForm(ContentTypeHeader.Parse(contentType));

    /// <summary>Any multipart type (form-data, mixed, related: RFC 2046 §5.1): all share the part syntax.</summary>
    public static bool IsMultipart(ContentTypeHeader contentType) => contentType.MediaType.StartsWith("multipart/", StringComparison.Ordinal);

    public static bool IsImage(ContentTypeHeader contentType) => contentType.MediaType.StartsWith("image/", StringComparison.Ordinal);

    /// <summary>
    /// Whether a body of this type is meant as text (a cassette stores it as text when it also is
    /// valid UTF-8). Broader than <see cref="IsJson(ContentTypeHeader)"/> on purpose: ndjson,
    /// JavaScript and every XML flavour are text even where no view formats them.
    /// </summary>
    public static bool IsTextual(ContentTypeHeader contentType)
    {
        var type = contentType.MediaType;
        return type.StartsWith("text/", StringComparison.Ordinal) || IsJson(contentType) || IsXmlOrHtml(contentType) || IsForm(contentType) ||
            type.Contains("json", StringComparison.Ordinal) || type.Contains("xml", StringComparison.Ordinal) ||
            type.Contains("javascript", StringComparison.Ordinal) || type is "application/graphql" or "application/yaml";
    }
}
