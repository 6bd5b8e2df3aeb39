using System.Text.RegularExpressions;

namespace MitmFixture.Cli.Commands;

/// <summary>What <c>mitmfixture scan</c> looks for: well-known token shapes, credential headers not redacted, and named values.</summary>
internal static partial class SecretScanner
{
    public sealed record Finding(int Line, string What);

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

    [GeneratedRegex(@"""(Authorization|Proxy-Authorization|Cookie|Set-Cookie|X-Api-Key|Api-Key): (?!<[A-Z0-9_]+>"")[^""]{6,}""", RegexOptions.IgnoreCase)]
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
