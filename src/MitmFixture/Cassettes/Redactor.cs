using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>Finds secrets in a flow and replaces them with placeholders; puts value-sourced ones back on replay.</summary>
public sealed class Redactor
{
    private readonly RedactionOptions _options;
    private readonly HashSet<string> _headers;

    public Redactor(RedactionOptions options)
    {
        _options = options;
        _headers = new HashSet<string>(options.Headers, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The defaults: Authorization, Proxy-Authorization, Cookie and Set-Cookie.</summary>
    public static Redactor Default { get; } = new(new RedactionOptions());

    /// <summary>Keeps everything, secrets included. For tests of redaction itself and explicit opt-outs.</summary>
    public static Redactor None { get; } = new(new RedactionOptions { Headers = [] });

    public RedactionOptions Options => _options;

    /// <summary>A redacted copy of <paramref name="flow"/>; the flow itself is not changed.</summary>
    public Flow Redact(Flow flow)
    {
        var copy = FlowCopy.Of(flow);
        var secrets = new List<(string Secret, string Placeholder)>();
        foreach (var (name, source) in _options.Placeholders)
        {
            if (source() is { Length: > 0 } value)
            {
                secrets.Add((value, $"<{name}>"));
            }
        }

        CollectFromHeaders(copy.Request.Headers, secrets);
        if (copy.Response is { } response)
        {
            CollectFromHeaders(response.Headers, secrets);
        }

        CollectFromQuery(copy.Request, secrets);
        CollectFromForm(copy.Request, secrets);
        CollectFromJson(copy.Request, secrets);
        if (copy.Response is { } r)
        {
            CollectFromJson(r, secrets);
        }

        if (secrets.Count == 0)
        {
            return copy;
        }

        var replacements = Variants(secrets);
        ReplaceInRequest(copy.Request, replacements);
        if (copy.Response is { } answer)
        {
            ReplaceInHeaders(answer.Headers, replacements);
            ReplaceInBody(answer, replacements);
        }

        if (copy.WebSocket is { } ws)
        {
            var data = new WebSocketData { CloseCode = ws.CloseCode, CloseReason = ws.CloseReason, ClosedByClient = ws.ClosedByClient, TimestampEnd = ws.TimestampEnd };
            foreach (var m in ws.Messages)
            {
                var content = m.IsText ? Encoding.UTF8.GetBytes(Replace(m.Text, replacements)) : m.Content;
                data.Add(new WebSocketMessage(m.Type, m.FromClient, content, m.Timestamp));
            }

            copy.WebSocket = data;
        }

        return copy;
    }

    /// <summary>Puts real values back where a value-sourced placeholder stands (on replay).</summary>
    public void Restore(HttpResponse response)
    {
        if (RestoringSwaps() is { } swaps)
        {
            ReplaceInHeaders(response.Headers, swaps);
            ReplaceInBody(response, swaps);
        }
    }

    /// <summary>Puts real values back into a recorded request before it is sent again (drift check, client replay).</summary>
    public void Restore(HttpRequest request)
    {
        if (RestoringSwaps() is { } swaps)
        {
            ReplaceInRequest(request, swaps);
        }
    }

    private List<(string, string)>? RestoringSwaps()
    {
        var swaps = new List<(string, string)>();
        foreach (var (name, source) in _options.Placeholders)
        {
            if (source() is { Length: > 0 } value)
            {
                swaps.Add(($"<{name}>", value));
            }
        }

        return swaps.Count == 0 ? null : swaps;
    }

    private void CollectFromHeaders(HttpHeaders headers, List<(string, string)> secrets)
    {
        foreach (var field in headers)
        {
            if (!_headers.Contains(field.Name))
            {
                continue;
            }

            var placeholder = $"<{Upper(field.Name)}>";
            secrets.Add((field.Value, placeholder));

            // "Bearer abc" or "Basic dXNlcjpwYXNz": the credential alone may appear elsewhere too.
            var space = field.Value.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && field.Value.Length - space - 1 >= _options.MinimumSecretLength)
            {
                secrets.Add((field.Value[(space + 1)..], placeholder));
            }

            // Cookies: each name=value's value is a secret of its own.
            if (field.Name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) || field.Name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase))
            {
                var pairs = field.Name.Equals("Cookie", StringComparison.OrdinalIgnoreCase) ? field.Value.Split(';') : [field.Value.Split(';')[0]];
                foreach (var pair in pairs)
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0 && pair.Length - eq - 1 >= _options.MinimumSecretLength)
                    {
                        secrets.Add((pair[(eq + 1)..].Trim(), placeholder));
                    }
                }
            }
        }
    }

    private void CollectFromQuery(HttpRequest request, List<(string, string)> secrets)
    {
        if (_options.QueryParameters.Count == 0)
        {
            return;
        }

        foreach (var (key, value) in request.Query)
        {
            if (value.Length > 0 && _options.QueryParameters.Contains(key, StringComparer.Ordinal))
            {
                secrets.Add((value, $"<{Upper(key)}>"));
            }
        }
    }

    private void CollectFromForm(HttpRequest request, List<(string, string)> secrets)
    {
        if (_options.FormFields.Count == 0 || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true || request.Text is not { } text)
        {
            return;
        }

        foreach (var (key, value) in FormUrlEncoding.Parse(text))
        {
            if (value.Length > 0 && _options.FormFields.Contains(key, StringComparer.Ordinal))
            {
                secrets.Add((value, $"<{Upper(key)}>"));
            }
        }
    }

    private void CollectFromJson(HttpMessage message, List<(string, string)> secrets)
    {
        if (_options.JsonFields.Count == 0 || message.ContentType?.Contains("json", StringComparison.OrdinalIgnoreCase) != true || message.Text is not { } text)
        {
            return;
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return;
        }

        foreach (var path in _options.JsonFields)
        {
            if (JsonPath.Find(root, path) is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number)
            {
                var secret = value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                if (secret.Length > 0)
                {
                    secrets.Add((secret, $"<{Upper(JsonPath.LastName(path))}>"));
                }
            }
        }
    }

    /// <summary>Every form a secret may take in a flow, longest first so a longer secret wins over its own prefix.</summary>
    private List<(string From, string To)> Variants(List<(string Secret, string Placeholder)> secrets)
    {
        var variants = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (secret, placeholder) in secrets)
        {
            if (secret.Length < _options.MinimumSecretLength && !secret.Equals(secret.Trim(), StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var form in new[]
            {
                secret,
                Uri.EscapeDataString(secret),
                Uri.EscapeDataString(secret).Replace("%20", "+", StringComparison.Ordinal),
                JsonEncodedText.Encode(secret).ToString(),
                Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)),
                Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('='),
            })
            {
                if (form.Length >= _options.MinimumSecretLength || form == secret)
                {
                    variants.TryAdd(form, placeholder);
                }
            }
        }

        return variants.OrderByDescending(v => v.Key.Length).Select(v => (v.Key, v.Value)).ToList();
    }

    private static void ReplaceInRequest(HttpRequest request, List<(string, string)> replacements)
    {
        request.Path = Replace(request.Path, replacements);
        ReplaceInHeaders(request.Headers, replacements);
        ReplaceInBody(request, replacements);
    }

    private static void ReplaceInHeaders(HttpHeaders headers, List<(string, string)> replacements)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            var replaced = Replace(field.Value, replacements);
            if (!ReferenceEquals(replaced, field.Value) && replaced != field.Value)
            {
                headers.ReplaceAt(i, field.Name, replaced);
            }
        }
    }

    private static void ReplaceInBody(HttpMessage message, List<(string, string)> replacements)
    {
        if (message.DecodedBody is not { Length: > 0 } body)
        {
            return;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return; // binary: nothing textual to find
        }

        var replaced = Replace(text, replacements);
        if (replaced != text)
        {
            message.SetDecodedBody(Encoding.UTF8.GetBytes(replaced));
            if (message.Headers.Contains("Content-Length"))
            {
                message.Headers.Set("Content-Length", message.Body!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }
    }

    private static string Replace(string text, List<(string From, string To)> replacements)
    {
        foreach (var (from, to) in replacements)
        {
            if (from.Length > 0 && text.Contains(from, StringComparison.Ordinal))
            {
                text = text.Replace(from, to, StringComparison.Ordinal);
            }
        }

        return text;
    }

    private static string Upper(string name) =>
        new(name.Select(c => char.IsLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());
}
