using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Learns the secrets a flow shows into a <see cref="SecretBook"/>: credential header values (an
/// ordinary cookie value for its header only, <see cref="CookieSecretShape"/>; and a Basic
/// credential's decoded password), secret fields by name in JSON at any depth, in
/// URL-encoded forms and in the query (OAuth 2.0 carries tokens in all three: RFC 6749 §4-5,
/// RFC 6750 §2), and the configured query parameters, form fields and JSON paths; in JSON
/// WebSocket messages as in JSON bodies, by the same code (a login or token sent over a socket).
/// </summary>
internal sealed class SecretFinder(RedactionOptions options)
{
    private readonly HashSet<string> _headers = new(options.Headers, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _fields = new(options.SecretFields, StringComparer.OrdinalIgnoreCase);

    public bool IsCredentialHeader(string name) => _headers.Contains(name);

    /// <summary>Whether a query parameter of this name holds a secret: a secret field name or a configured query parameter.</summary>
    public bool IsSecretQueryName(string key) => IsSecretName(key, options.QueryParameters);

    /// <summary>Whether a URL-encoded or multipart form field of this name holds a secret: a secret field name or a configured form field.</summary>
    public bool IsSecretFormName(string key) => IsSecretName(key, options.FormFields);

    /// <summary>Whether a JSON property of this name holds secrets, at any depth (<see cref="RedactionOptions.SecretFields"/>).</summary>
    public bool IsSecretJsonName(string name) => _fields.Contains(name);

    /// <summary>The steps of each configured JSON path (<see cref="RedactionOptions.JsonFields"/>).</summary>
    public IReadOnlyList<object[]> JsonPaths { get; } = [.. options.JsonFields.Select(path => JsonPath.Steps(path).ToArray()).Where(steps => steps.Length > 0)];

    public void Learn(Flow flow, SecretBook book)
    {
        var request = flow.Request;
        book.Reserve(request.Path);
        LearnHeaders(request.Headers, book);
        LearnEncoded(request.QueryString, options.QueryParameters, book);

        LearnBody(request, book);
        LearnHeaders(request.Trailers, book); // a trailer is a header field sent late: the same credentials can travel in it
        if (flow.Response is { } response)
        {
            LearnHeaders(response.Headers, book);
            LearnRedirect(response.Headers.Get("Location"), book);
            LearnBody(response, book);
            LearnHeaders(response.Trailers, book);
        }

        if (flow.WebSocket is { } ws)
        {
            foreach (var message in ws.Messages)
            {
                LearnMessage(message.Content, book);
            }
        }
    }

    /// <summary>
    /// A WebSocket message, text or binary alike, read as a body without a Content-Type: JSON by its
    /// shape, in the charset its byte order mark or NULs say (as <see cref="RedactionSession"/> scrubs it).
    /// A message has no media type to call it a form, so only JSON names its secrets.
    /// </summary>
    public void LearnMessage(byte[] content, SecretBook book)
    {
        if (content.Length > 0)
        {
            LearnText(BodyCharset.Decode(content, (Encoding?)null), content, ContentTypeHeader.None, book);
        }
    }

    /// <summary>
    /// A redirect's query and fragment: OAuth 2.0 hands the client its code or token in the
    /// Location header (RFC 6749 §4.1.2, and the implicit grant's fragment, §4.2.2).
    /// </summary>
    private void LearnRedirect(string? location, SecretBook book)
    {
        var query = location?.IndexOfAny(['?', '#']) ?? -1;
        if (query < 0)
        {
            return;
        }

        foreach (var part in location![(query + 1)..].Split('#'))
        {
            LearnEncoded(part, options.QueryParameters, book);
        }
    }

    /// <summary>
    /// Secrets in a query string or URL-encoded form. A raw <c>+</c> is a space to a form decoder but
    /// a plus sign to a server reading RFC 3986 alone (and to a client that forgot to escape it), so
    /// the secret is learned in both readings, under one placeholder: a later <c>%2B</c> spelling of
    /// it is then found too.
    /// </summary>
    private void LearnEncoded(string text, IReadOnlyList<string> configured, SecretBook book)
    {
        foreach (var part in text.Split('&'))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = FormUrlEncoding.Decode(eq < 0 ? part : part[..eq]);
            var raw = eq < 0 ? "" : part[(eq + 1)..];
            if (!IsSecretName(key, configured))
            {
                continue;
            }

            var value = FormUrlEncoding.Decode(raw);
            book.Add(value, Redactor.Kind(key));
            if (FormUrlEncoding.DecodeKeepingPlus(raw) is { } withPlus && book.PlaceholderOf(value) is { } placeholder)
            {
                book.AddSpelling(withPlus, placeholder);
            }
        }
    }

    /// <summary>
    /// A default or configured secret name, in any case, as secret field names match: an API that sends
    /// <c>ApiKey=</c> is not spared by a rule written <c>apikey</c>, and more redaction is the safe side.
    /// </summary>
    private bool IsSecretName(string key, IReadOnlyList<string> configured) =>
        _fields.Contains(key) || configured.Contains(key, StringComparer.OrdinalIgnoreCase);

    private void LearnPairs(IEnumerable<KeyValuePair<string, string>> pairs, IReadOnlyList<string> configured, SecretBook book)
    {
        foreach (var (key, value) in pairs)
        {
            if (IsSecretName(key, configured))
            {
                book.Add(value, Redactor.Kind(key));
            }
        }
    }

    private void LearnHeaders(HttpHeaders? headers, SecretBook book)
    {
        if (headers is null)
        {
            return;
        }

        foreach (var field in headers)
        {
            book.Reserve(field.Value);
            if (!_headers.Contains(field.Name))
            {
                continue;
            }

            foreach (var part in CredentialHeader.Parts(field.Name, field.Value))
            {
                // A cookie's value is always replaced in its header; elsewhere only a credential-like one (consent=true is not).
                var secret = field.Value.Substring(part.Start, part.Length);
                book.Add(secret, part.Kind, searched: part.CookieName is not { } cookie || CookieSecretShape.IsCredential(cookie, secret));
            }

            if (CredentialHeader.BasicPassword(field.Name, field.Value) is { } password)
            {
                book.Add(password, "PASSWORD");
            }
        }
    }

    private void LearnBody(HttpMessage message, SecretBook book)
    {
        if (message.DecodeProblem is not null || message.Text is not { Length: > 0 } text)
        {
            return; // kept encoded (past the decoding limit, corrupt): nothing textual to learn from
        }

        LearnText(text, message.DecodedBody!, ContentTypeHeader.Parse(message.ContentType), book); // Text is set, so the body is decoded
    }

    /// <summary>The secrets in a body's (or a WebSocket message's) <paramref name="text"/>: a form's, a multipart form's or JSON's secret fields.</summary>
    private void LearnText(string text, byte[] bytes, ContentTypeHeader contentType, SecretBook book)
    {
        book.Reserve(text);
        if (MediaType.IsForm(contentType))
        {
            LearnEncoded(text, options.FormFields, book);
        }
        else if (MultipartBody.TryParse(bytes, contentType, out var parts))
        {
            // A multipart form's text fields are form fields too (RFC 7578): a password posted with curl -F.
            LearnPairs(parts.Where(p => p.Name is not null && p.FileName is null).Select(p => KeyValuePair.Create(p.Name!, BodyCharset.Decode(p.Content, p.ContentType.Charset))), options.FormFields, book);
        }
        else if (MediaType.IsJson(contentType) || text.TrimStart() is ['{' or '[', ..])
        {
            LearnJson(WithoutXssiPrefix(text), book);
        }
    }

    /// <summary>JSON behind an anti-XSSI prefix (<c>)]}'</c>, <c>while(1);</c>...) that keeps a browser from running it as script.</summary>
    internal static string WithoutXssiPrefix(string text)
    {
        var trimmed = text.TrimStart();
        if (trimmed is ['{' or '[', ..] || trimmed.IndexOfAny(['{', '[']) is var start && start < 0)
        {
            return text;
        }

        var prefix = trimmed[..start].Trim();
        return prefix is ")]}'" or ")]}'," or "while(1);" or "for(;;);" ? trimmed[start..] : text;
    }

    /// <summary>Deeper than the reader's default of 64: a secret nested deeper is still learned, and every JSON reader of redaction agrees on what parses.</summary>
    internal const int JsonMaxDepth = 256;

    private static readonly JsonDocumentOptions Depth = new() { MaxDepth = JsonMaxDepth };

    private void LearnJson(string text, SecretBook book)
    {
        // JsonDocument, not JsonNode: a body with a duplicated key ({"a":1,"a":2}) is still JSON a
        // server sends, and a JsonObject refuses it; each duplicate is walked.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Depth);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            if (_fields.Count > 0)
            {
                Walk(document.RootElement, book);
            }
        }

        if (options.JsonFields.Count == 0)
        {
            return;
        }

        try
        {
            var root = JsonNode.Parse(text, documentOptions: Depth);
            foreach (var path in options.JsonFields)
            {
                if (JsonPath.Find(root, path) is JsonValue value && Scalar(value.GetValue<JsonElement>()) is { } secret)
                {
                    book.Add(secret, Redactor.Kind(JsonPath.LastName(path)));
                }
            }
        }
        catch (ArgumentException)
        {
            // A duplicated key along the path: the field walk above has seen every value of it.
        }
        catch (InvalidOperationException)
        {
            // The path ends at a value that is not JSON text a secret can be (never for parsed JSON).
        }
    }

    private void Walk(JsonElement element, SecretBook book)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (NameOf(property) is { } name && _fields.Contains(name))
                    {
                        if (Scalar(property.Value) is { } secret)
                        {
                            book.Add(secret, Redactor.Kind(name));
                        }
                        else
                        {
                            LearnStrings(property.Value, Redactor.Kind(name), book); // a secret field may hold a list or an object of secrets
                        }
                    }
                    else
                    {
                        Walk(property.Value, book);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, book);
                }

                break;
        }
    }

    /// <summary>
    /// Every string under <paramref name="element"/>, learned as secrets of <paramref name="kind"/>.
    /// Not the numbers: beside a secret in an object sit counts and lifetimes (<c>"expires_in": 3600</c>),
    /// and learning those would replace every 3600 in the cassette.
    /// </summary>
    private static void LearnStrings(JsonElement element, string kind, SecretBook book)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    LearnStrings(property.Value, kind, book);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    LearnStrings(item, kind, book);
                }

                break;
            case JsonValueKind.String:
                book.Add(StringOf(element), kind);
                break;
        }
    }

    private static string? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => StringOf(element),
        JsonValueKind.Number => element.GetRawText(),
        _ => null,
    };

    /// <summary>
    /// A string's value, or, when it holds a lone surrogate escape (<c>"\ud800"</c>: valid JSON, not
    /// valid text, and .NET will not unescape it), its escaped form as the body holds it, which is what
    /// the byte-level replacement then finds.
    /// </summary>
    private static string StringOf(JsonElement element)
    {
        try
        {
            return element.GetString()!; // a string element's value is never null
        }
        catch (InvalidOperationException)
        {
            return element.GetRawText()[1..^1];
        }
    }

    /// <summary>A property's name, or null for a name with a lone surrogate escape, which no configured field name is.</summary>
    private static string? NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
