namespace MitmFixture.Http;

/// <summary>An HTTP response.</summary>
public sealed class HttpResponse : HttpMessage
{
    /// <summary>The status code.</summary>
    public int StatusCode { get; set; } = 200;

    /// <summary>The reason phrase.</summary>
    public string Reason { get; set; } = "OK";

    /// <summary>Builds a response, e.g. for an addon answering a request itself.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Shipped in 0.2.0; the overloads differ by the body's type, so calls are never ambiguous.")]
    public static HttpResponse Create(int statusCode, byte[]? body = null, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponse
        {
            StatusCode = statusCode,
            Reason = ReasonPhrases.For(statusCode),
            Headers = new HttpHeaders(headers),
            Body = body ?? [],
        };
        return response;
    }

    /// <summary>Builds a text response with its Content-Type (UTF-8 plain text unless <paramref name="contentType"/> says otherwise).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("ApiDesign", "RS0026", Justification = "Shipped in 0.2.0; the overloads differ by the body's type, so calls are never ambiguous.")]
    public static HttpResponse Create(int statusCode, string text, string contentType = "text/plain; charset=utf-8") =>
        Create(statusCode, System.Text.Encoding.UTF8.GetBytes(text), ("Content-Type", contentType));

    /// <summary>A deep copy (headers and body included).</summary>
    public HttpResponse Clone()
    {
        var copy = new HttpResponse
        {
            StatusCode = StatusCode,
            Reason = Reason,
            HttpVersion = HttpVersion,
            Headers = Headers.Clone(),
            Trailers = Trailers?.Clone(),
            TimestampStart = TimestampStart,
            TimestampEnd = TimestampEnd,
        };
        copy.CopyBodyFrom(this);
        return copy;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{StatusCode} {Reason}";
}
