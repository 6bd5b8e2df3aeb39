using MitmFixture.Cassettes;
using MitmFixture.Cli.Commands;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli;

/// <summary>Each detector <c>scan</c> has (README: "Cassette upkeep"), on a cassette as written to disk, with what must not set it off.</summary>
public sealed class SecretScannerTests
{
    public static TheoryData<string, string> Leaks => new()
    {
        { "{\"token\":\"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U\"}", "a JSON Web Token" },
        { "{\"aws\":\"AKIAIOSFODNN7EXAMPLE\"}", "an AWS access key id" },
        { "{\"aws\":\"ASIAIOSFODNN7EXAMPLE\"}", "an AWS access key id" },
        { "{\"gh\":\"ghp_" + new string('a', 36) + "\"}", "a GitHub token" },
        { "{\"gh\":\"gho_" + new string('B', 40) + "\"}", "a GitHub token" },
        { "{\"stripe\":\"sk_live_" + new string('c', 24) + "\"}", "a Stripe secret key" },
        { "{\"stripe\":\"sk_test_" + new string('D', 16) + "\"}", "a Stripe secret key" },
        { "{\"key\":\"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\"}", "a private key" },
        { "{\"key\":\"-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----\"}", "a private key" },
    };

    [Theory]
    [MemberData(nameof(Leaks))]
    public void Scan_SecretInABody_IsFoundByItsDetectorOnly(string body, string what)
    {
        var findings = SecretScanner.Scan(Saved(body), []).ToList();

        Assert.Equal([what], findings.Select(f => f.What).Distinct());
    }

    [Theory]
    [InlineData("Authorization", "Bearer live-token-123456")]
    [InlineData("Cookie", "session=abcdef123456")]
    [InlineData("X-Api-Key", "k-1234567890")]
    [InlineData("X-Vault-Token", "hvs.CAESIJ1234567890")]
    [InlineData("Ocp-Apim-Subscription-Key", "0123456789abcdef0123456789abcdef")]
    public void Scan_CredentialHeaderNotAPlaceholder_IsFound(string header, string value)
    {
        var findings = SecretScanner.Scan(Saved("{}", (header, value)), []).ToList();

        Assert.Equal(["a credential header that is not a placeholder"], findings.Select(f => f.What).Distinct());
    }

    // With redact_defaults off, redact keeps the default credential headers: scan must not fail the gate on them.
    [Fact]
    public void Scan_CredentialHeaderTheRedactionOptionsKeep_IsNoFinding_OthersStillAre()
    {
        var text = Saved("{}", ("Cookie", "theme=dark-mode"), ("X-Api-Key", "k-1234567890"));

        var findings = SecretScanner.Scan(text, [], new HashSet<string>(["Cookie"], StringComparer.OrdinalIgnoreCase)).ToList();

        var finding = Assert.Single(findings);
        Assert.Contains("X-Api-Key", text.Split('\n')[finding.Line - 1], StringComparison.Ordinal);
        Assert.Equal(2, SecretScanner.Scan(text, []).Count());
    }

    // A header that is not a credential header by default (redact leaves it) is no finding, whatever its value.
    [Fact]
    public void Scan_AnOrdinaryHeaderWithALongValue_IsNoFinding() =>
        Assert.Empty(SecretScanner.Scan(Saved("{}", ("X-Request-Id", "0f9e8d7c6b5a4f3e"), ("Accept", "application/json")), []));

    [Theory]
    [InlineData("{\"note\":\"eyJhbGciOiJIUzI1NiJ9 alone is no token\"}")]
    [InlineData("{\"aws\":\"AKIA-short\"}")]
    [InlineData("{\"gh\":\"ghp_tooShort123\"}")]
    [InlineData("{\"stripe\":\"sk_live_short\",\"pk\":\"pk_live_" + "abcdefghijklmnopqrstuvwx\"}")]
    [InlineData("{\"key\":\"-----BEGIN PUBLIC KEY-----\"}")]
    [InlineData("{\"key\":\"-----BEGIN CERTIFICATE-----\"}")]
    public void Scan_LookAlikes_AreNotFindings(string body) =>
        Assert.Empty(SecretScanner.Scan(Saved(body), []));

    [Fact]
    public void Scan_RedactedCassette_HasNoFindings()
    {
        (string, string)[] credentials = [("Authorization", "Bearer live-token-123456"), ("Cookie", "session=abcdef123456")];

        Assert.NotEmpty(SecretScanner.Scan(Saved("{}", credentials), []));
        Assert.Empty(SecretScanner.Scan(Saved("{}", Redactor.Default, credentials), []));
    }

    [Fact]
    public void Scan_NamedValue_IsFoundWithItsLineNumber()
    {
        var text = Saved("{\"k\":\"value-of-my-key\"}");

        var finding = Assert.Single(SecretScanner.Scan(text, [("MY_KEY", "value-of-my-key")]));

        Assert.Equal("the value of $MY_KEY", finding.What);
        Assert.Contains("value-of-my-key", text.Split('\n')[finding.Line - 1], StringComparison.Ordinal);
    }

    [Fact]
    public void ScanBase64_NamedValueInsideAGrpcMessage_IsFoundOnItsLine_WhereALineSearchIsNot()
    {
        const string token = "grpc-token-in-a-message-42";
        var request = HttpRequest.Create("POST", "https://api.example.com/greet.Greeter/SayHello", null, [("content-type", "application/grpc")]);
        var flow = new Flow(request) { Response = HttpResponse.Create(200, "") };
        flow.Grpc = new GrpcData();
        flow.Grpc.Add(new GrpcMessage(true, false, [0x0a, (byte)(token.Length + 4), .. "x-> "u8, .. System.Text.Encoding.ASCII.GetBytes(token)], TestFlows.Start));
        flow.Grpc.Add(new GrpcMessage(false, false, [0x0a, 2, .. "ok"u8], TestFlows.Start));
        var text = Cassette.ToJson([flow], Redactor.None);
        (string Name, string Value)[] values = [("TOKEN", token)];
        var flows = Loaded(text);

        var finding = Assert.Single(SecretScanner.ScanBase64(text, flows, SecretScanner.Learn(flows, Redactor.Default), values));

        Assert.Equal("the value of $TOKEN, inside gRPC message 1 of flow 1 (base64)", finding.What);
        Assert.Contains(Convert.ToBase64String(flow.Grpc.Messages[0].Content), text.Split('\n')[finding.Line - 1], StringComparison.Ordinal);
        Assert.Empty(SecretScanner.Scan(text, values)); // the line search cannot see it
    }

    // A value shorter than the minimum secret length is never replaced by redaction (too likely to hit
    // innocent text): scan must not report it either, or redact could never clear the finding.
    [Fact]
    public void ScanBase64_ASecretShorterThanTheMinimum_IsNotReported()
    {
        var flow = new Flow(HttpRequest.Create("POST", "https://api.example.com/login", "{\"password\":\"ab\"}"u8.ToArray(), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, [0xFF, 0x00, (byte)'a', (byte)'b', 0x01], ("Content-Type", "application/octet-stream")), // stored as base64
        };
        var text = Cassette.ToJson([flow], Redactor.Default);
        var flows = Loaded(text);

        Assert.Empty(SecretScanner.ScanBase64(text, flows, SecretScanner.Learn(flows, Redactor.Default), []));
    }

    [Fact]
    public void ScanBase64_NamedValueInsideACompressedGrpcMessage_IsFoundDecoded()
    {
        const string token = "grpc-token-in-a-gzip-message-7";
        byte[] plain = [0x0a, (byte)(token.Length + 4), .. "x-> "u8, .. System.Text.Encoding.ASCII.GetBytes(token)];
        Assert.True(ContentEncoding.TryEncode(plain, "gzip", out var compressed));
        var request = HttpRequest.Create("POST", "https://api.example.com/greet.Greeter/SayHello", null, [("content-type", "application/grpc"), ("grpc-encoding", "gzip")]);
        var flow = new Flow(request) { Response = HttpResponse.Create(200, "") };
        flow.Grpc = new GrpcData();
        flow.Grpc.Add(new GrpcMessage(true, true, compressed, TestFlows.Start));
        var text = Cassette.ToJson([flow], Redactor.None);
        (string Name, string Value)[] values = [("TOKEN", token)];
        var flows = Loaded(text);

        var finding = Assert.Single(SecretScanner.ScanBase64(text, flows, SecretScanner.Learn(flows, Redactor.Default), values));

        Assert.Equal("the value of $TOKEN, inside gRPC message 1 of flow 1 (base64)", finding.What);
        Assert.Contains(Convert.ToBase64String(compressed), text.Split('\n')[finding.Line - 1], StringComparison.Ordinal);
    }

    // A body or WebSocket message the file holds as text is searched on its own line (ScanLearned);
    // ScanBase64 used to report it a second time, on line 0, "base64, line not found".
    [Fact]
    public void ScanBase64_SecretInABodyOrAMessageTheFileHoldsAsText_IsLeftToTheLineSearch()
    {
        const string token = "opaque7token8value9";
        var grant = new Flow(HttpRequest.Create("POST", "https://auth.example.com/token", System.Text.Encoding.UTF8.GetBytes($"{{\"access_token\":\"{token}\"}}"), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, $"token={token}", "text/plain"),
        };
        var socket = new Flow(HttpRequest.Create("GET", "https://api.example.com/ws")) { Response = HttpResponse.Create(101, "") }
            .WithWebSocket((true, WebSocketMessageType.Text, $"auth {token}"));
        var text = Cassette.ToJson([grant, socket], Redactor.None);
        var flows = Loaded(text);
        var learned = SecretScanner.Learn(flows, Redactor.Default);

        Assert.Empty(SecretScanner.ScanBase64(text, flows, learned, [("TOKEN", token)]));
        Assert.Equal(3, SecretScanner.ScanLearned(text, learned).Count()); // the request body's line, the response's and the message's
    }

    /// <summary>
    /// A gzip binary body is stored decoded, or raw ("encoded": true) when it was recorded past a
    /// smaller decode limit than scan's; either way the finding is on the line that holds it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ScanBase64_NamedValueInsideAGzipBinaryBody_IsFoundOnTheLineThatStoresIt(bool keptEncoded)
    {
        const string token = "binary-body-token-99";
        byte[] plain = [0x00, 0xFF, 0x10, .. System.Text.Encoding.ASCII.GetBytes(token), 0x00, 0xFE];
        Assert.True(ContentEncoding.TryEncode(plain, "gzip", out var compressed));
        var request = HttpRequest.Create("GET", "https://api.example.com/blob", null);
        var response = HttpResponse.Create(200, compressed, ("Content-Type", "application/octet-stream"), ("Content-Encoding", "gzip"));
        if (keptEncoded)
        {
            response.MaxDecodedBodyBytes = 8; // a small decode_limit when recording; scan's default decodes it
        }

        var text = Cassette.ToJson([new Flow(request) { Response = response }], Redactor.None);
        Assert.Equal(keptEncoded, text.Contains("\"encoded\": true", StringComparison.Ordinal));
        (string Name, string Value)[] values = [("TOKEN", token)];
        var flows = Loaded(text);

        var finding = Assert.Single(SecretScanner.ScanBase64(text, flows, SecretScanner.Learn(flows, Redactor.Default), values));

        Assert.Equal("the value of $TOKEN, inside the response body of flow 1 (base64)", finding.What);
        Assert.Contains(Convert.ToBase64String(keptEncoded ? compressed : plain), text.Split('\n')[finding.Line - 1], StringComparison.Ordinal);
    }

    // scan reports what redaction would replace, by the same rule: an ordinary cookie value (consent=true)
    // is no finding where the cassette says true elsewhere; a session id echoed in a body is.
    [Fact]
    public void ScanLearned_OrdinaryCookieValueElsewhere_IsNoFinding_ASessionIdIs()
    {
        const string sid = "3f9a8c0e1b2d4f6a8c0e1b2d4f6a8c0e";
        var login = new Flow(HttpRequest.Create("GET", "https://a.test/login")) { Response = HttpResponse.Create(200, null, ("Set-Cookie", "consent=true; Path=/"), ("Set-Cookie", $"sid={sid}")) };
        var page = new Flow(HttpRequest.Create("GET", "https://a.test/jsontrue")) { Response = HttpResponse.Create(200, $"{{\"ok\":true,\"s\":\"true\",\"session\":\"{sid}\"}}", "application/json") };
        var text = Cassette.ToJson([login, page], Redactor.None);
        var lines = text.Split('\n');

        var findings = SecretScanner.ScanLearned(text, SecretScanner.Learn(Loaded(text), Redactor.Default)).ToList();

        Assert.Equal(2, findings.Count); // the Set-Cookie line and the body's
        Assert.All(findings, f => Assert.Contains(sid, lines[f.Line - 1], StringComparison.Ordinal));
    }

    // A secret shorter than the minimum has no forms to search for; redaction replaces it only in the
    // field that names it. scan reports those lines, by doing what redact does, and no other line
    // that holds the same value (user=abc beside password=abc).
    [Fact]
    public void ScanChanges_ShortSecretsInTheFieldsThatNameThem_AreFoundOnTheirLines_TheSameValueElsewhereIsNot()
    {
        var search = new Flow(HttpRequest.Create("GET", "https://a.test/search?q=pwq&token=tkq"))
        {
            Response = HttpResponse.Create(302, null, ("Location", "https://app.test/cb?state=pwq#access_token=atq")),
        };
        var form = new Flow(HttpRequest.Create("POST", "https://a.test/form", "user=pwq&password=pwq"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, "{\"user\":\"pwq\"}", "application/json"),
        };
        var json = new Flow(HttpRequest.Create("POST", "https://a.test/json", "{\"user\":\"pwq\",\"password\":\"pwq\",\"pin\":77,\"api_key\":[\"k1\"]}"u8.ToArray(), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        var multipart = new Flow(HttpRequest.Create("POST", "https://a.test/upload", "--b0\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\npwq\r\n--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nmpq\r\n--b0--\r\n"u8.ToArray(), ("Content-Type", "multipart/form-data; boundary=b0")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };
        var text = Cassette.ToJson([search, form, json, multipart], Redactor.None);
        var lines = text.Split('\n');
        var flows = Loaded(text);

        var findings = SecretScanner.ScanChanges(text, flows, [], SecretScanner.Learn(flows, Redactor.Default)).ToList();

        int LineOf(string part) => Assert.Single(Enumerable.Range(1, lines.Length), n => lines[n - 1].Contains(part, StringComparison.Ordinal));
        Assert.Equal(
            [
                (LineOf("\"/search?q=pwq&token=tkq\""), "<TOKEN>"),
                (LineOf("\"Location: https://app.test/cb?state=pwq#access_token=atq\""), "<ACCESS_TOKEN>"),
                (LineOf("\"user=pwq&password=pwq\""), "<PASSWORD>"),
                (LineOf("\"password\": \"pwq\""), "<PASSWORD>"),
                (LineOf("\"k1\""), "<API_KEY>"),
                (LineOf("\"base64\": \"" + Convert.ToBase64String(multipart.Request.Body!)), "<PASSWORD-2>"), // stored as base64; created with a body
            ],
            findings.Select(f => (f.Line, f.What.Replace("a secret redaction would replace by ", "", StringComparison.Ordinal))).Order());
        Assert.All(findings, f => Assert.DoesNotContain("pwq", f.What, StringComparison.Ordinal));

        var redacted = Cassette.ToJson([search, form, json, multipart], Redactor.Default);
        Assert.Empty(SecretScanner.ScanChanges(redacted, Loaded(redacted), [], SecretScanner.Learn(Loaded(redacted), Redactor.Default)));
    }

    // A number under a secret name becomes a string of its placeholder; the finding is on its line.
    [Fact]
    public void ScanChanges_ShortNumberUnderASecretName_IsFoundOnItsLine()
    {
        var flow = new Flow(HttpRequest.Create("POST", "https://a.test/pin", "{\"password\":77,\"n\":77}"u8.ToArray(), ("Content-Type", "application/json"))) { Response = HttpResponse.Create(200, "ok") };
        var text = Cassette.ToJson([flow], Redactor.None);
        var flows = Loaded(text);

        var finding = Assert.Single(SecretScanner.ScanChanges(text, flows, [], SecretScanner.Learn(flows, Redactor.Default)));

        Assert.Equal("a secret redaction would replace by <PASSWORD>", finding.What);
        Assert.Equal("\"password\": 77,", text.Split('\n')[finding.Line - 1].Trim());
    }

    // redact keeps going past a flow it cannot read (it keeps its request line only); scan must too:
    // the other flows are still learned from and scanned, and that flow is reported on its line.
    [Fact]
    public void Learn_AFlowThatCannotBeRead_IsSkipped_TheOthersAreStillLearned_AndScanChangesReportsIt()
    {
        var broken = new Flow(HttpRequest.Create("GET", "https://api.example.com/one", null, ("Authorization", "Bearer token-of-the-broken-flow"))) { Response = HttpResponse.Create(200, "ok") };
        var fine = new Flow(HttpRequest.Create("GET", "https://api.example.com/two", null, ("Authorization", "Bearer token-of-the-fine-flow"))) { Response = HttpResponse.Create(200, "ok") };
        var text = Cassette.ToJson([broken, fine], Redactor.None);
        var flows = Loaded(text);
        flows[0].Request.Path = null!; // what an addon may leave (RedactorTests): no file loads as this

        var session = SecretScanner.Learn(flows, Redactor.Default);
        _ = SecretScanner.Learn(flows, Redactor.Default, out var unreadable);

        Assert.Equal([0], unreadable.Keys);
        Assert.Equal(["token-of-the-fine-flow"], session.Secrets.Select(s => s.Key));
        Assert.Contains(SecretScanner.ScanLearned(text, session), f => text.Split('\n')[f.Line - 1].Contains("token-of-the-fine-flow", StringComparison.Ordinal));
        var flowLine = Array.FindIndex(text.Split('\n'), l => l.Contains("\"id\"", StringComparison.Ordinal)); // the line before the first flow's id opens it
        var finding = Assert.Single(SecretScanner.ScanChanges(text, flows, [], session, unreadable), f => f.What.StartsWith("flow 1", StringComparison.Ordinal));
        Assert.Equal("flow 1 cannot be read to redact it (NullReferenceException); redaction would keep its request line only", finding.What);
        Assert.Equal(flowLine, finding.Line);
    }

    /// <summary>The flows of a cassette's text, loaded as scan loads a file.</summary>
    private static IReadOnlyList<Flow> Loaded(string json)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            return Cassette.Load(path).Flows;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A one-flow cassette's text as an old, unredacted recording would hold it.</summary>
    private static string Saved(string body, params (string Name, string Value)[] headers) => Saved(body, Redactor.None, headers);

    private static string Saved(string body, Redactor redactor, params (string Name, string Value)[] headers)
    {
        var request = HttpRequest.Create("POST", "https://api.example.com/login", System.Text.Encoding.UTF8.GetBytes(body), [("Content-Type", "application/json"), .. headers]);
        return Cassette.ToJson([new Flow(request) { Response = HttpResponse.Create(200, "ok") }], redactor);
    }
}
