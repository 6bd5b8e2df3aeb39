using MitmFixture.Http;

namespace MitmFixture.Content;

/// <summary>
/// Renders a request or response body for the console's flow view, as mitmproxy's contentviews
/// do: no terminal involved, only a description and plain lines the UI draws as it likes.
/// </summary>
internal static class ContentViewer
{
    public const string Streamed = "[content streamed, not kept]";
    public const string NoContent = "[no content]";

    /// <summary>
    /// The body of <paramref name="message"/> with its Content-Encoding undone, shown in
    /// <paramref name="mode"/>, at most <paramref name="maxLines"/> lines plus one saying how
    /// many were left out. Never throws for any body or header value.
    /// </summary>
    public static ContentView Render(HttpMessage message, ViewMode mode, int maxLines = 5000)
    {
        ArgumentNullException.ThrowIfNull(message);
        var lines = new LineCollector(maxLines);

        // The proxy drops the body of a streamed message (Body null); while it is still
        // arriving a streamed message has no bytes yet either. Neither is "no content".
        if (message.Body is null || (message.Stream && message.Body.Length == 0))
        {
            return new ContentView(Streamed, []);
        }

        var (body, decoded, encodingNote) = Decode(message);
        if (body.Length == 0)
        {
            return new ContentView(NoContent, []);
        }

        var name = mode switch
        {
            ViewMode.Raw => RenderWith(RawView.Render, RawView.Name, body, lines),
            ViewMode.Hex => RenderWith(HexView.Render, HexView.Name, body, lines),
            _ when !decoded => RenderWith(HexView.Render, HexView.Name, body, lines),
            _ => RenderPretty(body, message.ContentType, lines),
        };
        return new ContentView(encodingNote + name, lines.ToList());
    }

    /// <summary>The <c>m</c> key: Pretty, Raw, Hex, and round again.</summary>
    public static ViewMode Next(ViewMode mode) => mode switch
    {
        ViewMode.Pretty => ViewMode.Raw,
        ViewMode.Raw => ViewMode.Hex,
        _ => ViewMode.Pretty,
    };

    /// <summary>
    /// Undoes Content-Encoding through the message's one bounded decode path, saying so (mitmproxy's
    /// "[decoded gzip]"). When that fails (corrupt, unknown coding, past the decoding limit), the
    /// encoded bytes are what there is to show.
    /// </summary>
    private static (byte[] Body, bool Decoded, string Note) Decode(HttpMessage message)
    {
        var body = message.Body ?? [];
        var encoding = message.Headers.Get("Content-Encoding");
        if (ContentEncoding.IsIdentity(encoding) || body.Length == 0)
        {
            return (body, true, "");
        }

        var name = DisplayText.Sanitize(encoding!.Trim());
        return message.DecodeProblem is null && message.DecodedBody is { } decoded
            ? (decoded, true, $"[decoded {name}] ")
            : (body, false, message.DecodeProblem?.Contains("decoding limit", StringComparison.Ordinal) == true ? $"[{name} past the decoding limit, shown encoded] " : $"[cannot decode {name}] ");
    }

    private static string RenderWith(RenderAction render, string name, byte[] body, LineCollector lines)
    {
        render(body, lines);
        return name;
    }

    /// <summary>
    /// The views are written not to throw (see the property tests); this is the backstop that
    /// keeps one unforeseen body from taking the console down: it falls back to the hexdump.
    /// </summary>
    private static string RenderPretty(byte[] body, string? contentType, LineCollector lines)
    {
        try
        {
            return AutoView.Render(body, ContentTypeHeader.Parse(contentType), lines);
        }
        catch (Exception e)
        {
            lines.Clear();
            HexView.Render(body, lines);
            return $"{HexView.Name} (pretty view failed: {e.GetType().Name})";
        }
    }

    private delegate void RenderAction(ReadOnlySpan<byte> body, LineCollector lines);
}
