namespace MitmFixture.Cassettes;

/// <summary>
/// What is kept out of cassettes. Each secret found anywhere in a cassette is replaced by one
/// placeholder such as <c>&lt;ACCESS_TOKEN&gt;</c> (<c>&lt;ACCESS_TOKEN-2&gt;</c> for the next
/// distinct one) in every flow it appears in: as is, URL-encoded, JSON-escaped, base64 or base64url.
/// A cookie value that does not look like a credential (<c>consent=true</c>, <c>lang=en-US</c>) is
/// replaced in the cookie headers only, so content that says <c>true</c> stays as the server sent it.
/// </summary>
public sealed record RedactionOptions
{
    /// <summary>
    /// Header names whose values are secrets. Default: Authorization, Proxy-Authorization, Cookie,
    /// Set-Cookie, and the API key and token headers of widely used APIs and gateways (X-Api-Key,
    /// Api-Key, X-Auth-Token, X-Access-Token, Private-Token, X-Goog-Api-Key, Ocp-Apim-Subscription-Key,
    /// X-Amz-Security-Token, X-Vault-Token), which carry the credential itself rather than after a scheme.
    /// </summary>
    public IReadOnlyList<string> Headers { get; init; } = DefaultHeaders;

    /// <summary>
    /// The names the option surfaces' <c>redact_headers</c> gave (not the typed API's business): a name
    /// that is also a default is then known to be wanted on its own, whether redact_defaults is on or off.
    /// </summary>
    internal IReadOnlyList<string> AddedHeaders { get; init; } = [];

    private static readonly string[] DefaultHeaders =
    [
        "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
        "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token", "Private-Token", "X-Goog-Api-Key",
        "Ocp-Apim-Subscription-Key", "X-Amz-Security-Token", "X-Vault-Token",
    ];

    /// <summary>
    /// Field names whose values are secrets wherever they appear: JSON bodies at any depth,
    /// URL-encoded forms and query strings, where OAuth 2.0 carries them (RFC 6749 §4-5, RFC 6750 §2).
    /// Matched case-insensitively, so a name given again in any case is dropped (the first spelling
    /// stays). Default access_token, refresh_token, id_token, client_secret, password,
    /// and the API key and token names most APIs take in a query (api_key, apikey, token).
    /// </summary>
    public IReadOnlyList<string> SecretFields
    {
        get;

        // The one place names are made unique: every surface (flags, --set, files, the fixture, this API) comes through here.
        init => field = [.. value.Distinct(StringComparer.OrdinalIgnoreCase)];
    } = ["access_token", "refresh_token", "id_token", "client_secret", "password", "api_key", "apikey", "token"];

    /// <summary>Query parameter names whose values are secrets. Default none.</summary>
    public IReadOnlyList<string> QueryParameters { get; init; } = [];

    /// <summary>URL-encoded form field names whose values are secrets. Default none.</summary>
    public IReadOnlyList<string> FormFields { get; init; } = [];

    /// <summary>JSON body fields by path (<c>token</c>, <c>auth.password</c>, <c>$.items[0].key</c>). Default none.</summary>
    public IReadOnlyList<string> JsonFields { get; init; } = [];

    /// <summary>
    /// Named secrets with a source for their real value (an environment variable, a fixture option).
    /// Their value is replaced by <c>&lt;NAME&gt;</c> on write and put back on replay, so a test that
    /// needs the real token gets it while the cassette never holds it.
    /// </summary>
    public IReadOnlyDictionary<string, Func<string?>> Placeholders { get; init; } = new Dictionary<string, Func<string?>>();

    /// <summary>Secrets shorter than this are not searched for elsewhere (too likely to hit innocent text); they are still replaced in the header or field that names them as secret. Default 4.</summary>
    public int MinimumSecretLength { get; init; } = 4;

    /// <summary>A placeholder for every value of environment variable <paramref name="variable"/>, named after it.</summary>
    public RedactionOptions WithEnvironmentVariable(string variable) => WithEnvironmentVariables([variable]);

    /// <summary>Many variables at once, copying <see cref="Placeholders"/> once rather than per variable.</summary>
    internal RedactionOptions WithEnvironmentVariables(IEnumerable<string> variables)
    {
        var placeholders = new Dictionary<string, Func<string?>>(Placeholders);
        foreach (var variable in variables)
        {
            placeholders[variable] = () => Environment.GetEnvironmentVariable(variable);
        }

        return this with { Placeholders = placeholders };
    }
}
