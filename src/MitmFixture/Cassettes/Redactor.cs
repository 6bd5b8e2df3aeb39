using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Keeps secrets out of cassettes, cassette-wide: a secret learned in any flow (a token response,
/// a credential header, a session cookie) is replaced in every flow, before or after, by one placeholder
/// per secret. Value-sourced placeholders are put back on replay.
/// </summary>
public sealed class Redactor(RedactionOptions options)
{
    /// <summary>The defaults: credential headers, cookies and the OAuth token fields of <see cref="RedactionOptions"/>.</summary>
    public static Redactor Default { get; } = new(new RedactionOptions());

    /// <summary>Keeps everything, secrets included. For tests of redaction itself and explicit opt-outs.</summary>
    public static Redactor None { get; } = new(new RedactionOptions { Headers = [], SecretFields = [] });

    /// <summary>What this redactor scrubs.</summary>
    public RedactionOptions Options => options;

    /// <summary>A fresh cassette-wide session: learns from flows as they come and scrubs any flow with all it knows.</summary>
    internal RedactionSession StartSession() => new(options);

    /// <summary>
    /// Redacted copies of <paramref name="flows"/> as one cassette: every secret learned anywhere is
    /// replaced everywhere. A flow that cannot be read to redact it (an addon left it broken) is kept
    /// as its request line alone, its error saying so, rather than written unredacted or failing the rest.
    /// </summary>
    public IReadOnlyList<Flow> Redact(IEnumerable<Flow> flows)
    {
        var list = flows as IReadOnlyList<Flow> ?? flows.ToList();
        var session = StartSession();
        var broken = new Dictionary<Flow, Exception>(ReferenceEqualityComparer.Instance);
        foreach (var flow in list)
        {
            try
            {
                session.Learn(flow);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                broken[flow] = e; // its secrets are unknown: none of it may be written but the request line
            }
        }

        return list.Select(flow =>
        {
            if (!broken.TryGetValue(flow, out var failure))
            {
                try
                {
                    return session.Apply(flow);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e;
                }
            }

            return session.Skeleton(flow, $"could not be redacted ({failure.GetType().Name}: {failure.Message}); kept as its request line only");
        }).ToList();
    }

    /// <summary>A redacted copy of <paramref name="flow"/> alone (a cassette of one); the flow itself is not changed.</summary>
    public Flow Redact(Flow flow) => Redact([flow])[0];

    /// <summary>Puts real values back where a value-sourced placeholder stands (on replay).</summary>
    public void Restore(HttpResponse response)
    {
        if (RestoringSwaps() is { } swaps)
        {
            SwapInHeaders(response.Headers, swaps);
            SwapInHeaders(response.Trailers, swaps);
            SwapInBody(response, swaps);
        }
    }

    /// <summary>Puts real values back into a recorded request before it is sent again (drift check, client replay).</summary>
    public void Restore(HttpRequest request)
    {
        if (RestoringSwaps() is { } swaps)
        {
            request.Path = Swap(request.Path, swaps);
            SwapInHeaders(request.Headers, swaps);
            SwapInHeaders(request.Trailers, swaps);
            SwapInBody(request, swaps);
        }
    }

    private List<(string Placeholder, string Value)>? RestoringSwaps()
    {
        var swaps = new List<(string Placeholder, string Value)>();
        foreach (var (name, source) in options.Placeholders)
        {
            if (source() is { Length: > 0 } value)
            {
                swaps.Add(($"<{name}>", value));
            }
        }

        return swaps.Count == 0 ? null : swaps;
    }

    private static void SwapInHeaders(HttpHeaders? headers, List<(string Placeholder, string Value)> swaps)
    {
        if (headers is null)
        {
            return;
        }

        for (var i = 0; i < headers.Count; i++)
        {
            var field = headers[i];
            var replaced = Swap(field.Value, swaps);
            if (replaced != field.Value)
            {
                headers.ReplaceAt(i, field.Name, replaced);
            }
        }
    }

    private static void SwapInBody(HttpMessage message, List<(string Placeholder, string Value)> swaps)
    {
        if (message.Text is { } text && Swap(text, swaps) is var restored && restored != text)
        {
            message.SetDecodedBody(Encoding.UTF8.GetBytes(restored));
            if (message.Headers.Contains("Content-Length"))
            {
                message.Headers.Set("Content-Length", message.Body!.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)); // set just above
            }
        }
    }

    /// <summary>A placeholder kind from a header or field name: <c>access_token</c> → <c>ACCESS_TOKEN</c>.</summary>
    internal static string Kind(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

    private static string Swap(string text, List<(string Placeholder, string Value)> swaps)
    {
        foreach (var (placeholder, value) in swaps)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }

        return text;
    }
}
