using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// What <c>mitmfixture scan</c> looks for: well-known token shapes, credential headers not
/// redacted, named values, and every secret the cassette itself shows (a token in a response's
/// <c>access_token</c>, a cookie, a credential), wherever else it appears, in any form redaction knows.
/// </summary>
internal static partial class SecretScanner
{
    public sealed record Finding(int Line, string What);

    /// <summary>The lines where a secret learned from <paramref name="flows"/> (as redaction would learn it) still stands.</summary>
    public static IEnumerable<Finding> ScanLearned(string text, IReadOnlyList<Flow> flows, Redactor redactor)
    {
        var session = redactor.StartSession();
        foreach (var flow in flows)
        {
            session.Learn(flow);
        }

        var lines = text.Split('\n');
        foreach (var (secret, placeholder) in session.Secrets)
        {
            // As the file holds it: the serializer's JSON escaping on top of each form.
            var forms = session.FormsOf(secret)
                .SelectMany(f => new[] { f, JsonEncodedText.Encode(f, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() })
                .Distinct(StringComparer.Ordinal)
                .ToList();
            for (var i = 0; i < lines.Length; i++)
            {
                if (forms.Any(f => lines[i].Contains(f, StringComparison.Ordinal)))
                {
                    yield return new Finding(i + 1, $"a secret redaction would replace by {placeholder}");
                }
            }
        }
    }

    public static IEnumerable<Finding> Scan(string text, IReadOnlyList<(string Name, string Value)> values)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            foreach (var (name, value) in values)
            {
                if (line.Contains(value, StringComparison.Ordinal))
                {
                    yield return new Finding(i + 1, $"the value of ${name}");
                }
            }

            foreach (var (pattern, what) in Patterns)
            {
                if (pattern.IsMatch(line))
                {
                    yield return new Finding(i + 1, what);
                }
            }
        }
    }

    private static readonly (Regex Pattern, string What)[] Patterns =
    [
        (CredentialHeader(), "a credential header that is not a placeholder"),
        (Jwt(), "a JSON Web Token"),
        (AwsKey(), "an AWS access key id"),
        (GitHubToken(), "a GitHub token"),
        (StripeKey(), "a Stripe secret key"),
        (PrivateKey(), "a private key"),
    ];

    // A value that is only placeholders passes: "<AUTHORIZATION>", "Bearer <ACCESS_TOKEN>",
    // "sid=<COOKIE>; theme=<COOKIE-2>", "sid=<COOKIE>; Path=/; HttpOnly".
    [GeneratedRegex(@"""(Authorization|Proxy-Authorization|Cookie|Set-Cookie|X-Api-Key|Api-Key): (?!(?-i:(?:[A-Za-z][\w.-]* )?<[A-Z0-9_]+(?:-[0-9]+)?>""|[^""=;]+=<[A-Z0-9_]+(?:-[0-9]+)?>(?:; ?[^""=;]+=<[A-Z0-9_]+(?:-[0-9]+)?>)*(?:;[^""]*)?""))[^""]{6,}""", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialHeader();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")]
    private static partial Regex Jwt();

    [GeneratedRegex(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b")]
    private static partial Regex AwsKey();

    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{36,}\b")]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bsk_(live|test)_[A-Za-z0-9]{16,}\b")]
    private static partial Regex StripeKey();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")]
    private static partial Regex PrivateKey();
}
