using System.Text.Json;
using System.Text.Json.Nodes;
using MitmFixture.Content;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Learns the secrets a flow shows into a <see cref="SecretBook"/>: credential header values (and
/// a Basic credential's decoded password), secret fields by name in JSON at any depth, in
/// URL-encoded forms and in the query (OAuth 2.0 carries tokens in all three: RFC 6749 §4-5,
/// RFC 6750 §2), and the configured query parameters, form fields and JSON paths.
/// </summary>
internal sealed class SecretFinder(RedactionOptions options)
{
    private readonly HashSet<string> _headers = new(options.Headers, StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _fields = new(options.SecretFields, StringComparer.OrdinalIgnoreCase);

    public bool IsCredentialHeader(string name) => _headers.Contains(name);

    public void Learn(Flow flow, SecretBook book)
    {
        var request = flow.Request;
        book.Reserve(request.Path);
        LearnHeaders(request.Headers, book);
        foreach (var (key, value) in request.Query)
        {
            if (_fields.Contains(key) || options.QueryParameters.Contains(key, StringComparer.Ordinal))
            {
                book.Add(value, Redactor.Kind(key));
            }
        }

        LearnBody(request, book);
        LearnHeaders(request.Trailers, book); // a trailer is a header field sent late: the same credentials can travel in it
        if (flow.Response is { } response)
        {
            LearnHeaders(response.Headers, book);
            LearnBody(response, book);
            LearnHeaders(response.Trailers, book);
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
                book.Add(field.Value.Substring(part.Start, part.Length), part.Kind);
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

        book.Reserve(text);
        var contentType = ContentTypeHeader.Parse(message.ContentType);
        if (MediaType.IsForm(contentType))
        {
            foreach (var (key, value) in FormUrlEncoding.Parse(text))
            {
                if (_fields.Contains(key) || options.FormFields.Contains(key, StringComparer.Ordinal))
                {
                    book.Add(value, Redactor.Kind(key));
                }
            }
        }
        else if (MediaType.IsJson(contentType) || text.TrimStart() is ['{' or '[', ..])
        {
            LearnJson(text, book);
        }
    }

    private void LearnJson(string text, SecretBook book)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return;
        }

        if (_fields.Count > 0)
        {
            Walk(root, book);
        }

        foreach (var path in options.JsonFields)
        {
            if (Scalar(JsonPath.Find(root, path)) is { } secret)
            {
                book.Add(secret, Redactor.Kind(JsonPath.LastName(path)));
            }
        }
    }

    private void Walk(JsonNode? node, SecretBook book)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (_fields.Contains(name) && Scalar(value) is { } secret)
                    {
                        book.Add(secret, Redactor.Kind(name));
                    }
                    else
                    {
                        Walk(value, book);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item, book);
                }

                break;
        }
    }

    private static string? Scalar(JsonNode? node) => node is JsonValue value
        ? value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        }
        : null;
}
