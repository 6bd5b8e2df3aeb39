using System.Text;
using System.Text.Json;
using MitmFixture.Content;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Secrets replaced in the field that names them: a query or form pair, a JSON value, a multipart
/// form field, a redirect's query and fragment. A secret shorter than the minimum is not searched for
/// elsewhere (<see cref="SecretBook.IsSearched"/>: <c>abc</c> would rewrite unrelated text), but
/// under its own secret name it is the secret, so it is replaced there whatever its length; and a
/// value is compared decoded, so an escape no encoder would choose (<c>"a\u0062c"</c>) does not hide it.
/// </summary>
internal sealed partial class RedactionSession
{
    private static readonly JsonReaderOptions FieldReader = new() { MaxDepth = SecretFinder.JsonMaxDepth }; // what the finder's JsonDocument reads

    /// <summary>
    /// <c>name=value</c> pairs joined by <c>&amp;</c> (a query, a URL-encoded form, a fragment) with
    /// each value that decodes to a known secret replaced: any known one under a secret name
    /// (<paramref name="isSecretName"/>), where it was learned (<c>password=ab</c>), only the ones
    /// searched for everywhere under another. The same instance when nothing changed.
    /// </summary>
    private string ScrubPairs(string pairs, Func<string, bool> isSecretName)
    {
        if (_book.Secrets.Count == 0 || !pairs.Contains('=', StringComparison.Ordinal))
        {
            return pairs;
        }

        var output = new StringBuilder(pairs.Length);
        var changed = false;
        var first = true;
        foreach (var pair in pairs.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var value = equals < 0 ? "" : pair[(equals + 1)..];
            var named = equals > 0 && isSecretName(FormUrlEncoding.Decode(pair[..equals]));
            var placeholder = value.Length == 0 || RedactionPlaceholder.IsPlaceholder(value) ? null
                : PairValuePlaceholder(Unescape(value.Replace('+', ' ')), named) ?? PairValuePlaceholder(Unescape(value), named);
            if (!first)
            {
                output.Append('&');
            }

            first = false;
            output.Append(placeholder is null ? pair : pair[..(equals + 1)] + placeholder);
            changed |= placeholder is not null;
        }

        return changed ? output.ToString() : pairs;
    }

    private string? PairValuePlaceholder(string value, bool named) =>
        named ? _book.PlaceholderOf(value) : _book.SearchedPlaceholderOf(value);

    /// <summary>A URL (a redirect's Location, a Referer) with its query and fragment pairs scrubbed (<see cref="ScrubPairs"/>): OAuth 2.0 hands a code or token there (RFC 6749 §4.1.2, §4.2.2).</summary>
    private string ScrubUrl(string url)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var head = hash < 0 ? url : url[..hash];
        var fragment = hash < 0 ? null : url[(hash + 1)..];
        var scrubbedHead = ScrubQueryValues(head);
        var scrubbedFragment = fragment is null ? null : ScrubPairs(fragment, _finder.IsSecretQueryName);
        return ReferenceEquals(scrubbedHead, head) && ReferenceEquals(scrubbedFragment, fragment) ? url : $"{scrubbedHead}{(fragment is null ? "" : "#")}{scrubbedFragment}";
    }

    /// <summary>Header fields whose value is a URL, whose query and fragment pairs are scrubbed as a request's query is.</summary>
    private static bool IsUrlHeader(string name) =>
        name.Equals("Location", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Location", StringComparison.OrdinalIgnoreCase) || name.Equals("Referer", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A body's text with its secret fields' known values replaced: the pairs of a URL-encoded form,
    /// or, in JSON, the values <see cref="SecretFinder"/> learns from (<see cref="ScrubJsonFields"/>).
    /// </summary>
    private string ScrubTextFields(string text, string? contentType) =>
        MediaType.IsForm(contentType) ? ScrubPairs(text, _finder.IsSecretFormName) : ScrubJsonFields(text);

    /// <summary>
    /// JSON with each value the finder learns from replaced by its placeholder where it stands, the
    /// rest of the text byte for byte as it was: a secret field's string or number (a number becomes
    /// a string, so the JSON stays valid), every string in a list or an object under it, and the
    /// string or number at a configured path. Text that is not JSON is returned as it is.
    /// </summary>
    private string ScrubJsonFields(string text)
    {
        if (_book.Secrets.Count == 0)
        {
            return text;
        }

        var steps = new List<object>(); // the path to the current value: property names and array indexes
        var containers = new Stack<(bool IsArray, int Index, bool HasStep)>();
        var secretDepth = -1; // the steps' count inside a secret field's object or list, whose strings are all secrets
        string? name = null;
        return JsonTokenSplice.Apply(text, FieldReader, (ref Utf8JsonReader reader) =>
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    name = PropertyName(ref reader);
                    return null;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    if (containers.Pop().HasStep)
                    {
                        secretDepth = secretDepth == steps.Count ? -1 : secretDepth;
                        steps.RemoveAt(steps.Count - 1);
                    }

                    return null;
            }

            var hasStep = containers.Count > 0;
            var secretName = false;
            if (hasStep)
            {
                var parent = containers.Pop();
                if (parent.IsArray)
                {
                    parent.Index++;
                    steps.Add(parent.Index);
                }
                else
                {
                    steps.Add(name ?? "");
                    secretName = name is not null && _finder.IsSecretJsonName(name);
                }

                containers.Push(parent);
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (secretName && secretDepth < 0)
                {
                    secretDepth = steps.Count;
                }

                containers.Push((reader.TokenType == JsonTokenType.StartArray, -1, hasStep));
                return null;
            }

            var isString = reader.TokenType == JsonTokenType.String;
            var secret = (isString || reader.TokenType == JsonTokenType.Number)
                && ((secretDepth < 0 && secretName) || (secretDepth >= 0 && isString) || _finder.JsonPaths.Any(path => path.SequenceEqual(steps)));
            var placeholder = secret ? _book.PlaceholderOf(isString ? StringValue(ref reader) : Encoding.ASCII.GetString(reader.ValueSpan)) : null;
            if (hasStep)
            {
                steps.RemoveAt(steps.Count - 1);
            }

            return placeholder is null ? null : $"\"{placeholder}\""; // a placeholder needs no JSON escape
        });
    }

    /// <summary>A property's name, or null for one with a lone surrogate escape, which no secret field name is (as the finder reads it).</summary>
    private static string? PropertyName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A string's value, or its escaped form for one with a lone surrogate escape, as the finder learned it.</summary>
    private static string StringValue(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!; // a string token's value is never null
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    /// <summary>
    /// A multipart body with the content of each text field under a secret form name (RFC 7578: a
    /// password posted with <c>curl -F</c>) replaced by its placeholder when known, in the field's
    /// charset; the other bytes as they were. Null when nothing changed or the body is not multipart.
    /// </summary>
    private byte[]? ScrubMultipartFields(byte[] body, string? contentType)
    {
        if (_book.Secrets.Count == 0 || !MultipartBody.TryParse(body, ContentTypeHeader.Parse(contentType), out var parts))
        {
            return null;
        }

        var result = body;
        foreach (var part in parts.OrderByDescending(p => p.ContentOffset)) // back to front, so earlier offsets hold
        {
            if (part.Name is not { } field || part.FileName is not null || !_finder.IsSecretFormName(field))
            {
                continue;
            }

            ReadOnlySpan<byte> content = part.Content;
            var encoding = BodyCharset.Detect(ref content, part.ContentType.Charset);
            if (_book.PlaceholderOf(encoding.GetString(content)) is not { } placeholder)
            {
                continue;
            }

            var preamble = part.Content.Length - content.Length; // a byte order mark, kept
            result = [.. result.AsSpan(0, part.ContentOffset + preamble), .. encoding.GetBytes(placeholder), .. result.AsSpan(part.ContentOffset + part.Content.Length)];
        }

        return ReferenceEquals(result, body) ? null : result;
    }
}
