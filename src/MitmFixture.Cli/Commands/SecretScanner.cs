using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// What <c>mitmfixture scan</c> looks for: well-known token shapes, credential headers not
/// redacted, named values, and every secret the cassette itself shows (a token in a response's
/// <c>access_token</c>, a session cookie, a credential), wherever else it appears, in any form redaction knows.
/// </summary>
internal static partial class SecretScanner
{
    public sealed record Finding(int Line, string What);

    /// <summary>How a finding of a secret redaction would replace begins; the placeholder follows.</summary>
    private const string Replaces = "a secret redaction would replace by ";

    /// <summary>The secrets <paramref name="flows"/> show, learned once as redaction would learn them, for <see cref="ScanLearned"/> and <see cref="ScanBase64"/>.</summary>
    public static RedactionSession Learn(IReadOnlyList<Flow> flows, Redactor redactor) => Learn(flows, redactor, out _);

    /// <summary>
    /// <see cref="Learn(IReadOnlyList{Flow}, Redactor)"/>, going on past a flow that cannot be read
    /// (<paramref name="unreadable"/>: its index and why), as <c>redact</c> does (<see cref="Redactor.Redact(IEnumerable{Flow})"/>):
    /// the others are still learned from and scanned, and <see cref="ScanChanges"/> reports that one.
    /// </summary>
    public static RedactionSession Learn(IReadOnlyList<Flow> flows, Redactor redactor, out IReadOnlyDictionary<int, Exception> unreadable)
    {
        var session = redactor.StartSession();
        var failures = new Dictionary<int, Exception>();
        for (var i = 0; i < flows.Count; i++)
        {
            try
            {
                session.Learn(flows[i]);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures[i] = e;
            }
        }

        unreadable = failures;
        return session;
    }

    /// <summary>
    /// <paramref name="findings"/> with each secret that is a named value (redact_env: redaction learns
    /// it and replaces it by <c>&lt;NAME&gt;</c>) said as <see cref="Scan"/> says it, "the value of
    /// $NAME", so a line that holds one is reported once, by the variable's name.
    /// </summary>
    public static IEnumerable<Finding> NamedOnce(IEnumerable<Finding> findings, IReadOnlyList<(string Name, string Value)> values)
    {
        foreach (var finding in findings)
        {
            var named = values.FirstOrDefault(v => finding.What.StartsWith($"{Replaces}<{v.Name}>", StringComparison.Ordinal)).Name;
            yield return named is null ? finding : finding with { What = $"the value of ${named}{finding.What[(Replaces.Length + named.Length + 2)..]}" };
        }
    }

    /// <summary>The lines where a secret <paramref name="session"/> learned (<see cref="Learn(IReadOnlyList{Flow}, Redactor)"/>) still stands.</summary>
    public static IEnumerable<Finding> ScanLearned(string text, RedactionSession session)
    {
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
                    yield return new Finding(i + 1, Replaces + placeholder);
                }
            }
        }
    }

    /// <summary>
    /// The lines where a cassette holds, as base64 (gRPC messages, binary WebSocket messages, binary
    /// bodies), bytes that contain a secret <paramref name="session"/> learned from <paramref name="flows"/>
    /// or a named value: a line search sees such a secret only at some offsets of its base64 form.
    /// </summary>
    public static IEnumerable<Finding> ScanBase64(string text, IReadOnlyList<Flow> flows, RedactionSession session, IReadOnlyList<(string Name, string Value)> values)
    {
        // Only secrets redaction replaces: one shorter than the minimum has no forms, so redact could never clear its finding.
        var needles = session.Secrets.Where(s => session.FormsOf(s.Key).Count > 0).Select(s => (Bytes: Encoding.UTF8.GetBytes(s.Key), What: Replaces + s.Value))
            .Concat(values.Select(v => (Bytes: Encoding.UTF8.GetBytes(v.Value), What: $"the value of ${v.Name}")))
            .ToList();
        if (needles.Count == 0)
        {
            yield break;
        }

        var lines = text.Split('\n');
        for (var f = 0; f < flows.Count; f++)
        {
            foreach (var (stored, searched, where, asText) in HeldBytes(flows[f]))
            {
                var found = needles.FirstOrDefault(n => searched.AsSpan().IndexOf(n.Bytes) >= 0);
                if (found.Bytes is null)
                {
                    continue;
                }

                // The line that holds those bytes: their base64 begins with the base64 of their first 48
                // bytes. A body the file keeps still encoded ("encoded": true, past the recording's
                // decode limit) is stored raw, so both forms are tried; a secret whose line is not found
                // is still reported, on line 0, rather than dropped.
                var line = stored.Select(bytes => Convert.ToBase64String(bytes, 0, Math.Min(bytes.Length, 48)))
                    .Select(start => Array.FindIndex(lines, l => l.Contains(start, StringComparison.Ordinal)))
                    .FirstOrDefault(at => at >= 0, -1);
                if (line < 0 && asText)
                {
                    continue; // the file holds it as text, where ScanLearned and Scan find it on its own line
                }

                yield return new Finding(line + 1, $"{found.What}, inside {where} of flow {f + 1} (base64{(line < 0 ? ", line not found" : "")})");
            }
        }
    }

    /// <summary>
    /// What a flow may hold as base64 in its file (bodies, WebSocket messages, gRPC messages): the
    /// bytes as the file may store them, to find their line by, and as they are searched. Bodies are
    /// stored with their Content-Encoding undone (<c>BodyCodec</c>), or raw when they could not be
    /// decoded; a compressed gRPC message is stored compressed and searched decoded with its side's
    /// <c>grpc-encoding</c>, as redaction reads it. AsText: the file may hold it as text instead
    /// (a text WebSocket message; a text or JSON body, unless it was kept encoded).
    /// </summary>
    private static IEnumerable<(byte[][] Stored, byte[] Searched, string Where, bool AsText)> HeldBytes(Flow flow)
    {
        if (flow.Grpc is { } grpc)
        {
            for (var i = 0; i < grpc.Messages.Count; i++)
            {
                _ = GrpcCompression.TryDecode(flow, grpc.Messages[i], out var searched, out _); // as it is when it cannot be decoded
                yield return ([grpc.Messages[i].Content], searched, $"gRPC message {i + 1}", false);
            }

            yield break; // a gRPC call's bodies are its messages joined, and the file leaves them out
        }

        if (flow.WebSocket is { } ws)
        {
            for (var i = 0; i < ws.Messages.Count; i++)
            {
                yield return ([ws.Messages[i].Content], ws.Messages[i].Content, $"WebSocket message {i + 1}", ws.Messages[i].IsText);
            }
        }

        if (flow.Request.DecodedBody is { Length: > 0 } request)
        {
            yield return ([request, flow.Request.Body!], request, "the request body", BodyCodec.Encode(flow.Request)?.Base64 is null); // a decoded body has a body
        }

        if (flow.Response?.DecodedBody is { Length: > 0 } response)
        {
            yield return ([response, flow.Response.Body!], response, "the response body", BodyCodec.Encode(flow.Response)?.Base64 is null);
        }
    }

    /// <summary>
    /// The lines that hold a named value, a credential header that is not a placeholder (but one of
    /// <paramref name="keptHeaders"/>, which the redaction options keep: redact_defaults off), or a
    /// well-known token shape.
    /// </summary>
    public static IEnumerable<Finding> Scan(string text, IReadOnlyList<(string Name, string Value)> values, IReadOnlySet<string>? keptHeaders = null)
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

            if (CredentialHeader().Matches(line).Any(header => DefaultCredentialHeaders.Contains(header.Groups[1].Value) && keptHeaders?.Contains(header.Groups[1].Value) != true))
            {
                yield return new Finding(i + 1, "a credential header that is not a placeholder");
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
        (Jwt(), "a JSON Web Token"),
        (AwsKey(), "an AWS access key id"),
        (GitHubToken(), "a GitHub token"),
        (StripeKey(), "a Stripe secret key"),
        (PrivateKey(), "a private key"),
    ];

    /// <summary>The headers redaction replaces by default (<see cref="RedactionOptions.Headers"/>): one list for redact and scan.</summary>
    private static readonly HashSet<string> DefaultCredentialHeaders = new(new RedactionOptions().Headers, StringComparer.OrdinalIgnoreCase);

    // A header line ("Name: value") whose value is not only placeholders: "<AUTHORIZATION>",
    // "Bearer <ACCESS_TOKEN>", "sid=<COOKIE>; theme=<COOKIE-2>", "sid=<COOKIE>; Path=/; HttpOnly" pass.
    [GeneratedRegex(@"""([!#$%&'*+.^_`|~0-9A-Za-z-]+): (?!(?-i:(?:[A-Za-z][\w.-]* )?<[A-Z0-9_]+(?:-[0-9]+)?>""|[^""=;]+=<[A-Z0-9_]+(?:-[0-9]+)?>(?:; ?[^""=;]+=<[A-Z0-9_]+(?:-[0-9]+)?>)*(?:;[^""]*)?""))[^""]{6,}""", RegexOptions.IgnoreCase)]
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
