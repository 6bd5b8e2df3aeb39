using MitmFixture.Flows;

namespace MitmFixture.Cassettes;

/// <summary>
/// Redaction for text that leaves the proxy outside a cassette, such as the proxy's log in a test's
/// output (CI logs keep it): it learns secrets from flows as a cassette does and replaces them in any
/// text, with the values of secret query parameters (the secret field names and
/// <see cref="RedactionOptions.QueryParameters"/>) in the URLs the text holds. Thread-safe.
/// </summary>
public sealed class TextRedactor(RedactionOptions options)
{
    private readonly RedactionSession _session = new(options);

    /// <summary>Learns the secrets <paramref name="flow"/> shows, as a cassette would.</summary>
    public void Learn(Flow flow) => _session.Learn(flow);

    /// <summary><paramref name="text"/> with every secret learned so far, and every secret query value, replaced by its placeholder.</summary>
    public string Redact(string text) => _session.ScrubLine(text);
}
