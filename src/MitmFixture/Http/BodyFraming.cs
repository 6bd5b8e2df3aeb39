using System.Globalization;

namespace MitmFixture.Http;

internal enum BodyKind
{
    None,
    Length,
    Chunked,
    UntilClose,
}

/// <summary>How a message's body is delimited on the wire (RFC 9112 §6.3).</summary>
internal readonly record struct BodyFraming(BodyKind Kind, long Length)
{
    public static readonly BodyFraming Empty = new(BodyKind.None, 0);

    public static BodyFraming ForRequest(HttpRequest request)
    {
        var hasTransferEncoding = request.Headers.Contains("Transfer-Encoding");
        var contentLength = ContentLength(request.Headers);
        if (hasTransferEncoding)
        {
            if (contentLength is not null)
            {
                // RFC 9112 §6.1: a sender MUST NOT send both; a proxy MUST NOT forward such a message as is.
                ThrowHelper.Protocol(RejectionReason.ContentLengthWithTransferEncoding, "both Content-Length and Transfer-Encoding");
            }

            return ChunkedOnly(request.Headers);
        }

        return contentLength is > 0 ? new BodyFraming(BodyKind.Length, contentLength.Value) : Empty;
    }

    public static BodyFraming ForResponse(HttpResponse response, string requestMethod)
    {
        if (requestMethod == "HEAD" || response.StatusCode is < 200 or 204 or 304 ||
            (requestMethod == "CONNECT" && response.StatusCode is >= 200 and < 300))
        {
            return Empty;
        }

        if (response.Headers.Contains("Transfer-Encoding"))
        {
            // Chunked wins over Content-Length for responses (RFC 9112 §6.3 item 3).
            return ChunkedOnly(response.Headers);
        }

        var contentLength = ContentLength(response.Headers);
        if (contentLength is not null)
        {
            return contentLength == 0 ? Empty : new BodyFraming(BodyKind.Length, contentLength.Value);
        }

        return new BodyFraming(BodyKind.UntilClose, -1);
    }

    /// <summary>
    /// Makes the framing fields of a response that carries no body (<paramref name="statusCode"/> 1xx,
    /// 204 or 304, or an answer to HEAD) ones a client can take: whatever a cassette, an addon or a
    /// server put there is sent as it is otherwise, since no body follows to frame. A 1xx or 204 has
    /// neither Content-Length nor Transfer-Encoding (RFC 9110 §8.6, RFC 9112 §6.1: a server MUST NOT
    /// send them; HTTP/2 servers such as Kestrel refuse them outright). A 304 or an answer to HEAD keeps
    /// a Content-Length only when it is one valid value (it tells the length a GET would get) and no
    /// Transfer-Encoding sits beside it (RFC 9112 §6.1, §6.3 items 3 and 5).
    /// </summary>
    public static void ForBodylessResponse(HttpHeaders headers, int statusCode)
    {
        if (statusCode is < 200 or 204)
        {
            headers.Remove("Content-Length");
            headers.Remove("Transfer-Encoding");
            return;
        }

        if (headers.Contains("Transfer-Encoding"))
        {
            headers.Remove("Content-Length");
            return;
        }

        try
        {
            ContentLength(headers);
        }
        catch (MalformedHttpException)
        {
            headers.Remove("Content-Length"); // values that disagree or do not parse: none is the length
        }
    }

    /// <summary>The Content-Length, or null when absent. Differing or malformed values are refused (RFC 9112 §6.3 item 5).</summary>
    private static long? ContentLength(HttpHeaders headers)
    {
        long? result = null;
        foreach (var field in headers)
        {
            if (!field.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var values = field.Value.AsSpan();
            foreach (var part in values.Split(','))
            {
                var text = values[part].Trim();
                if (text.Length == 0 || text.Length > 18 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    throw new MalformedHttpException(RejectionReason.InvalidContentLength, $"invalid Content-Length '{field.Value}'");
                }

                if (result is not null && result != value)
                {
                    ThrowHelper.Protocol(RejectionReason.ConflictingContentLength, "conflicting Content-Length values");
                }

                result = value;
            }
        }

        return result;
    }

    /// <summary>
    /// Chunked framing, for a message whose only transfer coding is chunked. Any other (gzip, deflate,
    /// compress) is refused: a request with a 501, a response with a 502 (the caller's). Forwarded, it
    /// would reach the other side still applied, under a Content-Length and without the header that
    /// names it.
    /// </summary>
    private static BodyFraming ChunkedOnly(HttpHeaders headers)
    {
        var codings = Codings(headers);
        if (codings.Count != 1 || !codings[0].Equals("chunked", StringComparison.OrdinalIgnoreCase))
        {
            ThrowHelper.Protocol(RejectionReason.UnsupportedTransferEncoding, $"unsupported Transfer-Encoding '{string.Join(", ", codings)}' (only chunked is supported)");
        }

        return new BodyFraming(BodyKind.Chunked, -1);
    }

    private static List<string> Codings(HttpHeaders headers)
    {
        var codings = new List<string>(1);
        foreach (var value in headers.GetAll("Transfer-Encoding"))
        {
            foreach (var part in value.Split(','))
            {
                var coding = part.Trim();
                if (coding.Length > 0)
                {
                    codings.Add(coding);
                }
            }
        }

        return codings;
    }
}
