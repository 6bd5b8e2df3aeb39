using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// The Pretty mode, mitmproxy's "auto" view: the view the Content-Type names first; when there
/// is none or it cannot show the body (JSON that is not JSON), the first that fits the bytes:
/// image magic, then JSON and markup by their first character, then text, then hex.
/// </summary>
internal static class AutoView
{
    private enum Kind
    {
        Json,
        XmlHtml,
        UrlEncoded,
        Multipart,
        Image,
        Text,
    }

    /// <summary>What the bytes are tried as when the Content-Type says nothing or was wrong, in order.</summary>
    private static readonly Kind[] Sniffing = [Kind.Image, Kind.Json, Kind.XmlHtml, Kind.Text];

    /// <summary>Renders <paramref name="body"/> into <paramref name="lines"/> and names the view that did.</summary>
    public static string Render(byte[] body, ContentTypeHeader contentType, LineCollector lines)
    {
        var declared = Declared(contentType);
        if (declared is { } kind && TryRender(kind, body, contentType, lines))
        {
            return NameOf(kind);
        }

        foreach (var candidate in Sniffing)
        {
            if (candidate != declared && Fits(candidate, body) && TryRender(candidate, body, contentType, lines))
            {
                return NameOf(candidate);
            }
        }

        HexView.Render(body, lines);
        return HexView.Name;
    }

    private static Kind? Declared(ContentTypeHeader contentType) => contentType.MediaType switch
    {
        _ when MediaType.IsJson(contentType) => Kind.Json,
        _ when MediaType.IsXmlOrHtml(contentType) => Kind.XmlHtml,
        _ when MediaType.IsForm(contentType) => Kind.UrlEncoded,
        "multipart/form-data" => Kind.Multipart,
        _ when MediaType.IsImage(contentType) => Kind.Image,
        "text/plain" => Kind.Text,
        _ => null,
    };

    /// <summary>Cheap checks before a full attempt: JSON starts with '{' or '[', markup with '&lt;' (mitmproxy's <c>is_xml</c>).</summary>
    private static bool Fits(Kind kind, byte[] body) => kind switch
    {
        Kind.Json => FirstNonWhitespace(body) is (byte)'{' or (byte)'[',
        Kind.XmlHtml => FirstNonWhitespace(body) is (byte)'<',
        _ => true,
    };

    /// <summary>The first byte after whitespace and a byte order mark.</summary>
    private static byte? FirstNonWhitespace(ReadOnlySpan<byte> body)
    {
        _ = BodyCharset.Detect(ref body, null); // only to slice the mark off

        var at = body.IndexOfAnyExcept(" \t\r\n"u8);
        return at < 0 ? null : body[at];
    }

    private static bool TryRender(Kind kind, byte[] body, ContentTypeHeader contentType, LineCollector lines) => kind switch
    {
        Kind.Json => JsonView.TryRender(body, contentType, lines),
        Kind.XmlHtml => XmlHtmlView.TryRender(body, contentType, lines),
        Kind.UrlEncoded => UrlEncodedView.TryRender(body, contentType, lines),
        Kind.Multipart => MultipartView.TryRender(body, contentType, lines),
        Kind.Image => ImageView.TryRender(body, lines),
        _ => TextView.TryRender(body, contentType, lines),
    };

    private static string NameOf(Kind kind) => kind switch
    {
        Kind.Json => JsonView.Name,
        Kind.XmlHtml => XmlHtmlView.Name,
        Kind.UrlEncoded => UrlEncodedView.Name,
        Kind.Multipart => MultipartView.Name,
        Kind.Image => ImageView.Name,
        _ => TextView.Name,
    };
}
