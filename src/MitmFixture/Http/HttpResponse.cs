namespace MitmFixture.Http;

/// <summary>An HTTP response.</summary>
public sealed class HttpResponse : HttpMessage
{
    public int StatusCode { get; set; } = 200;

    public string Reason { get; set; } = "OK";

    /// <summary>Builds a response, e.g. for an addon answering a request itself.</summary>
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

    public static HttpResponse Create(int statusCode, string text, string contentType = "text/plain; charset=utf-8") =>
        Create(statusCode, System.Text.Encoding.UTF8.GetBytes(text), ("Content-Type", contentType));

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

    public override string ToString() => $"{StatusCode} {Reason}";
}
