using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Cassette-wide redaction: the secrets learned from every flow seen so far, and the means to
/// replace them in any flow, earlier or later. A recording keeps one session for the whole
/// cassette; replay keeps one to redact live requests the way the recording was redacted.
/// Thread-safe.
/// </summary>
internal sealed partial class RedactionSession
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly Lock _gate = new();
    private readonly SecretFinder _finder;
    private readonly SecretBook _book;

    internal RedactionSession(RedactionOptions options)
    {
        _finder = new SecretFinder(options);
        _book = new SecretBook(options.MinimumSecretLength);
        foreach (var (name, source) in options.Placeholders)
        {
            if (source() is { Length: > 0 } value)
            {
                _book.AddFixed(value, $"<{name}>");
            }
        }
    }

    /// <summary>Grows whenever a new secret is learned: a writer then scrubs the flows it already wrote.</summary>
    public int Version
    {
        get
        {
            lock (_gate)
            {
                return _book.Version;
            }
        }
    }

    /// <summary>The secrets learned so far and their placeholders (for <c>scan</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Secrets
    {
        get
        {
            lock (_gate)
            {
                return [.. _book.Secrets];
            }
        }
    }

    /// <summary>
    /// The forms (also JSON-escaped, as a cassette file holds them) of the secrets learned after
    /// <paramref name="version"/>: a writer looks for these in what it already wrote.
    /// </summary>
    public IReadOnlyList<string> FormsLearnedSince(int version)
    {
        lock (_gate)
        {
            return _book.LearnedSince(version)
                .SelectMany(_book.FormsOf)
                .SelectMany(f => new[] { f, System.Text.Json.JsonEncodedText.Encode(f, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() })
                .Distinct(StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>The forms of <paramref name="secret"/> that redaction looks for (as is, encoded), shortest ones left out.</summary>
    public IReadOnlyList<string> FormsOf(string secret) => [.. _book.FormsOf(secret)];

    /// <summary><paramref name="text"/> with every secret learned so far replaced.</summary>
    public string ScrubText(string text)
    {
        lock (_gate)
        {
            return _book.Replace(text);
        }
    }

    /// <summary>
    /// <paramref name="text"/> outside a cassette (a log line) with its URLs' query values redacted
    /// (those of a secret parameter, and those that decode to a known secret, however escaped), then
    /// every known secret in any form. A secret parameter's value never learned gets its kind's placeholder.
    /// </summary>
    public string ScrubLine(string text)
    {
        lock (_gate)
        {
            var pairs = text.Contains('=', StringComparison.Ordinal) ? QueryPair().Replace(text, m => QueryPlaceholder(m.Groups["key"].Value, m.Groups["value"].Value) is { } placeholder ? $"{m.Groups["key"].Value}={placeholder}" : m.Value) : text;
            return _book.Replace(pairs);
        }
    }

    private string? QueryPlaceholder(string rawKey, string rawValue)
    {
        var value = FormUrlEncoding.Decode(rawValue);
        if (value.Length == 0 || RedactionPlaceholder.IsPlaceholder(value))
        {
            return null;
        }

        var key = FormUrlEncoding.Decode(rawKey);
        var withPlus = FormUrlEncoding.DecodeKeepingPlus(rawValue);
        return _book.SearchedPlaceholderOf(value)
            ?? (withPlus is not null ? _book.SearchedPlaceholderOf(withPlus) : null)
            ?? (_finder.IsSecretQueryName(key) ? _book.PlaceholderOf(value) ?? RedactionPlaceholder.Format(Redactor.Kind(key), 1) : null);
    }

    /// <summary>A query (or fragment) pair in a URL inside free text: it ends at the next pair, the fragment or whitespace.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<=[?&#])(?<key>[^=&#?\s]+)=(?<value>[^&#\s]*)")]
    private static partial System.Text.RegularExpressions.Regex QueryPair();

    /// <summary>Learns the secrets <paramref name="flow"/> shows; returns true when any was new.</summary>
    public bool Learn(Flow flow)
    {
        lock (_gate)
        {
            var before = _book.Version;
            _finder.Learn(flow, _book);
            return _book.Version != before;
        }
    }

    /// <summary>
    /// A live WebSocket message as a recording holds it, for replay to compare with the recorded one:
    /// its secrets learned (<see cref="SecretFinder.LearnMessage"/>), then every known secret replaced
    /// as in a recorded message. The bytes given are not changed.
    /// </summary>
    public byte[] RedactMessage(byte[] content)
    {
        lock (_gate)
        {
            _finder.LearnMessage(content, _book);
            return ScrubBytes(content, null) ?? content;
        }
    }

    /// <summary>
    /// What is left of a flow that could not be redacted (an addon broke it): its request line
    /// without the query, and <paramref name="why"/> as its error; nothing that can hold a secret.
    /// </summary>
    public Flow Skeleton(Flow flow, string why)
    {
        string path;
        try
        {
            path = ScrubText(flow.Request.PathOnly);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            path = "/";
        }

        var request = new HttpRequest
        {
            Method = flow.Request.Method ?? "GET",
            Scheme = flow.Request.Scheme ?? "http",
            Host = flow.Request.Host ?? "",
            Port = flow.Request.Port,
            Path = path,
        };
        return new Flow(request, flow.Client)
        {
            Id = flow.Id,
            Error = new FlowError(why, flow.Error?.Timestamp ?? DateTimeOffset.UtcNow),
        };
    }

    /// <summary>A copy of <paramref name="flow"/> with every secret learned so far replaced; the flow itself is not changed.</summary>
    public Flow Apply(Flow flow)
    {
        var copy = FlowCopy.Of(flow);
        Scrub(copy);
        return copy;
    }

    /// <summary>Replaces every secret learned so far in <paramref name="flow"/> itself; true when anything changed.</summary>
    public bool Scrub(Flow flow)
    {
        lock (_gate)
        {
            var changed = false;
            var path = ScrubQueryValues(_book.Replace(flow.Request.Path));
            if (!ReferenceEquals(path, flow.Request.Path) && path != flow.Request.Path)
            {
                flow.Request.Path = path;
                changed = true;
            }

            changed |= ScrubHeaders(flow.Request.Headers);
            changed |= ScrubHeaders(flow.Request.Trailers);
            changed |= ScrubBody(flow.Request);
            if (flow.Response is { } response)
            {
                changed |= ScrubHeaders(response.Headers);
                changed |= ScrubHeaders(response.Trailers);
                changed |= ScrubBody(response);
            }

            if (flow.Response is { Reason: { Length: > 0 } reason } withReason && _book.Replace(reason) is var scrubbedReason && scrubbedReason != reason)
            {
                withReason.Reason = scrubbedReason; // a server may quote the credential it refuses
                changed = true;
            }

            if (flow.Error is { } error && _book.Replace(error.Message) is var scrubbedError && scrubbedError != error.Message)
            {
                flow.Error = error with { Message = scrubbedError }; // an error may quote what the server sent
                changed = true;
            }

            if (flow.WebSocket is { } ws)
            {
                changed |= ScrubMessages(flow, ws);
            }

            if (flow.Grpc is { } grpc)
            {
                changed |= ScrubGrpcMessages(flow, grpc); // a cassette keeps them instead of the bodies
                changed |= RejoinGrpcBodies(flow); // and what else is made of the flow (a HAR, a report) keeps the bodies
            }

            // A note can quote the traffic (a server's surplus bytes may hold a token).
            if (flow.HasMetadata)
            {
                foreach (var (key, value) in flow.Metadata.ToList())
                {
                    if (value is string text && _book.Replace(text) is var scrubbed && scrubbed != text)
                    {
                        flow.Metadata[key] = scrubbed;
                        changed = true;
                    }
                }
            }

            return changed;
        }
    }

    /// <summary>
    /// Query values that decode to a known secret, however they were escaped (a raw <c>+</c> or
    /// <c>/</c>, lowercase hex, escapes no encoder would choose): the encoded forms cannot list
    /// every way a client may write one. Only secrets searched for everywhere (<see cref="SecretBook.IsSearched"/>),
    /// but any known one under a secret parameter's own name, where it was learned (<c>?password=ab</c>).
    /// </summary>
    private string ScrubQueryValues(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        if (query < 0 || _book.Secrets.Count == 0)
        {
            return path;
        }

        var pairs = path[(query + 1)..];
        var scrubbed = ScrubPairs(pairs, _finder.IsSecretQueryName);
        return ReferenceEquals(scrubbed, pairs) ? path : path[..(query + 1)] + scrubbed;
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    private bool ScrubHeaders(HttpHeaders? headers)
    {
        if (headers is null)
        {
            return false;
        }

        var changed = false;
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            var value = _finder.IsCredentialHeader(field.Name)
                ? CredentialHeader.Rewrite(field.Name, field.Value, PlaceholderOf)
                : field.Value;
            value = _book.Replace(value);
            if (IsUrlHeader(field.Name))
            {
                value = ScrubUrl(value); // a short token in a redirect's query or fragment, under its own name
            }

            if (value != field.Value)
            {
                headers.ReplaceAt(i, field.Name, value);
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>A credential's placeholder; one never learned (not possible after <see cref="Learn"/>) gets its kind's.</summary>
    private string PlaceholderOf(string secret, string kind) =>
        RedactionPlaceholder.IsPlaceholder(secret) ? secret : _book.PlaceholderOf(secret) ?? RedactionPlaceholder.Format(kind, 1);

    private bool ScrubBody(HttpMessage message)
    {
        if (message.DecodeProblem is not null || message.DecodedBody is not { Length: > 0 } body)
        {
            return false; // kept encoded past the decoding limit
        }

        var scrubbed = ScrubBytes(body, message.ContentType);
        scrubbed = ScrubMultipartFields(scrubbed ?? body, message.ContentType) ?? scrubbed;
        if (scrubbed is null)
        {
            return false; // nothing to replace
        }

        message.SetDecodedBody(scrubbed);
        if (message.Headers.Contains("Content-Length"))
        {
            message.Headers.Set("Content-Length", message.Body!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)); // set just above
        }

        return true;
    }

    /// <summary>
    /// <paramref name="bytes"/> with every known secret replaced, or null when none was there.
    /// Secrets never reach a cassette, whatever the body's encoding: UTF-8 text is replaced as text;
    /// text in another charset (a byte order mark or the Content-Type's charset says which) is
    /// replaced and written back in that charset; anything else (binary, invalid text) is searched
    /// byte for byte through a Latin-1 view, which maps each byte to one char and back, so only the
    /// secrets' bytes change.
    /// </summary>
    private byte[]? ScrubBytes(byte[] bytes, string? contentType)
    {
        // UTF-16 and UTF-32 first: their ASCII text is also valid UTF-8 (a NUL after each letter),
        // so the UTF-8 pass below would take it for text and never find a secret in it.
        var wide = ScrubWideText(bytes, contentType);
        return ScrubNarrow(wide ?? bytes, contentType) ?? wide;
    }

    /// <summary>A body a byte order mark or its charset says is UTF-16 or UTF-32, scrubbed as that text; null for any other body or when nothing changed.</summary>
    private byte[]? ScrubWideText(byte[] bytes, string? contentType)
    {
        ReadOnlySpan<byte> content = bytes;
        var encoding = BodyCharset.Detect(ref content, ContentTypeHeader.Parse(contentType).Charset);
        if (encoding is not (UnicodeEncoding or UTF32Encoding))
        {
            return null;
        }

        var preamble = bytes.AsSpan(0, bytes.Length - content.Length);
        var text = encoding.GetString(content);
        var scrubbed = ReplaceText(text, contentType);
        return scrubbed == text ? null : [.. preamble, .. encoding.GetBytes(scrubbed)];
    }

    /// <summary>
    /// A body's text with every known secret replaced. In JSON a number holding a secret becomes a
    /// string first (<see cref="JsonSecretNumbers"/>), so the body stays JSON; only done when the
    /// plain replacement changed something, so text without secrets is read once. Then the secret
    /// fields' values, whatever their length (<see cref="ScrubTextFields"/>).
    /// </summary>
    private string ReplaceText(string text, string? contentType)
    {
        var replaced = _book.Replace(text);
        replaced = ReferenceEquals(replaced, text) || replaced == text ? text : _book.Replace(JsonSecretNumbers.Quote(text, _book.Replace));
        return ScrubTextFields(replaced, contentType);
    }

    private byte[]? ScrubNarrow(byte[] bytes, string? contentType)
    {
        if (TryText(bytes, out var utf8))
        {
            return ReplaceText(utf8, contentType) is var replaced && replaced != utf8 ? Encoding.UTF8.GetBytes(replaced) : null;
        }

        ReadOnlySpan<byte> content = bytes;
        var encoding = BodyCharset.Detect(ref content, ContentTypeHeader.Parse(contentType).Charset);
        if (encoding is UTF8Encoding or ASCIIEncoding)
        {
            encoding = Encoding.Latin1; // invalid UTF-8 (or bytes past ASCII): not that text, so bytes, kept as they are
        }

        var preamble = bytes.AsSpan(0, bytes.Length - content.Length); // the byte order mark, kept as it was
        var text = encoding.GetString(content);
        var scrubbed = ReplaceText(text, contentType);
        return scrubbed == text ? null : [.. preamble, .. encoding.GetBytes(scrubbed)];
    }

    private bool ScrubMessages(Flow flow, WebSocketData ws)
    {
        // A placeholder may be longer than its secret: cut to what a close frame holds, so the cassette still loads.
        var closeReason = ws.CloseReason is { } reason ? WebSocketClose.FitReason(_book.Replace(reason)) : null;
        var data = new WebSocketData { CloseCode = ws.CloseCode, CloseReason = closeReason, ClosedByClient = ws.ClosedByClient, TimestampEnd = ws.TimestampEnd };
        var changed = closeReason != ws.CloseReason;
        foreach (var m in ws.Messages)
        {
            var content = m.Content;
            if (ScrubBytes(content, null) is { } scrubbed)
            {
                content = scrubbed; // text and binary messages alike, as a body without a Content-Type (and learned as one)
                changed = true;
            }

            data.Add(new WebSocketMessage(m.Type, m.FromClient, content, m.Timestamp) { Injected = m.Injected });
        }

        if (changed)
        {
            flow.WebSocket = data;
        }

        return changed;
    }

    private static bool TryText(byte[] body, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(body);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
