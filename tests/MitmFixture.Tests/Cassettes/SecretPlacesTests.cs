using System.Text;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// Secrets never reach a cassette, wherever in it they appear: each case here is a place or a spelling
/// an outside audit found a learned secret still in clear (a query escaped another way, a UTF-16 body,
/// a reason phrase, an error, a WebSocket close reason, a redirect, a list under a secret field...).
/// Every assertion reads the cassette file as written, so no place can be missed by looking at the wrong field.
/// </summary>
public sealed class SecretPlacesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-secretplaces-").FullName;

    private static Flow TokenFlow(string token) => new(HttpRequest.Create("POST", "https://auth.test/token"))
    {
        Response = HttpResponse.Create(200, $"{{\"access_token\":\"{token}\"}}", "application/json"),
    };

    private static Flow Get(string url, HttpResponse? response = null, params (string, string)[] headers) =>
        new(HttpRequest.Create("GET", url, null, headers)) { Response = response ?? HttpResponse.Create(200, "ok") };

    /// <summary>The cassette these flows make, as text, with every base64 body decoded beside it (UTF-8 and UTF-16) so a secret inside one is found too.</summary>
    private string Written(params Flow[] flows)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        Cassette.Save(path, flows);
        var json = File.ReadAllText(path);
        var decoded = new StringBuilder(json);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(json, "\"base64\":\\s*\"([^\"]*)\""))
        {
            var bytes = Convert.FromBase64String(m.Groups[1].Value);
            decoded.Append('\n').Append(Encoding.UTF8.GetString(bytes)).Append('\n').Append(Encoding.Unicode.GetString(bytes));
        }

        return decoded.ToString();
    }

    [Theory]
    [InlineData("AT-main/x+y==", "AT-main/x%2By%3D%3D")] // Python's quote(): the slash left as it is
    [InlineData("AT-lower+hex/val", "AT-lower%2bhex%2fval")] // lowercase hex
    public void QueryValue_EscapedAnotherWay_IsRedactedInThePathAndInAnEchoingBody(string token, string spelled)
    {
        var echo = Get($"https://api.test/items?access_token={spelled}&page=2", HttpResponse.Create(200, $"you sent access_token={spelled}"));

        var cassette = Written(TokenFlow(token), echo);

        Assert.DoesNotContain(token, cassette, StringComparison.Ordinal);
        Assert.DoesNotContain(spelled, cassette, StringComparison.Ordinal);
        Assert.Contains("/items?access_token=<ACCESS_TOKEN>&page=2", cassette, StringComparison.Ordinal);
    }

    // An outside audit of the fixture found ?api_key= and ?token= in clear in a cassette, its snapshot and the test's log.
    [Theory]
    [InlineData("api_key", "<API_KEY>")]
    [InlineData("apiKey", "<APIKEY>")]
    [InlineData("token", "<TOKEN>")]
    public void QueryKeyOrToken_ByDefault_IsRedactedInTheQueryAndWhereItIsEchoed(string name, string placeholder)
    {
        var echo = Get($"https://api.test/items?{name}=k3y-v4lue-9d8c7b&page=2", HttpResponse.Create(200, "{\"you_sent\":\"k3y-v4lue-9d8c7b\"}", "application/json"));

        var cassette = Written(echo);

        Assert.DoesNotContain("k3y-v4lue-9d8c7b", cassette, StringComparison.Ordinal);
        Assert.Contains($"/items?{name}={placeholder}&page=2", cassette, StringComparison.Ordinal);
    }

    // No list of encoded forms covers every escape; in the query the value is decoded and compared.
    [Fact]
    public void QueryValue_WithAnEscapeNoEncoderWouldChoose_IsRedactedInThePath()
    {
        var cassette = Written(TokenFlow("AT-odd-escapes"), Get("https://api.test/items?page=2&access_token=AT-%6Fdd-escapes"));

        Assert.DoesNotContain("dd-escapes", cassette, StringComparison.Ordinal);
        Assert.Contains("/items?page=2&access_token=<ACCESS_TOKEN>", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void QueryValue_WithARawPlus_LearnedFromTheQueryItself_IsRedacted()
    {
        var cassette = Written(Get("https://api.test/items?access_token=QT-plus+raw/val"));

        Assert.DoesNotContain("QT-plus", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void Utf16Body_WithoutAByteOrderMark_IsRedactedInItsCharset()
    {
        const string Token = "AT-utf16-555555";
        var body = Encoding.Unicode.GetBytes($"{{\"access_token\":\"{Token}\"}}");
        var flow = new Flow(HttpRequest.Create("POST", "https://auth.test/token"))
        {
            Response = HttpResponse.Create(200, body, ("Content-Type", "application/json; charset=utf-16le")),
        };

        var cassette = Written(flow);

        Assert.DoesNotContain(Token, cassette, StringComparison.Ordinal);
        Assert.Contains("<ACCESS_TOKEN>", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonEscapedWithLowercaseHex_AsPythonWritesIt_IsRedacted()
    {
        var body = Encoding.ASCII.GetBytes("{\"password\": \"p\\u00e4ssw\\u00f6rd-272727\"}"); // json.dumps({"password": "pässwörd-272727"})
        var flow = new Flow(HttpRequest.Create("POST", "https://api.test/login", body, ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, body, ("Content-Type", "application/json")),
        };

        var cassette = Written(flow);

        Assert.DoesNotContain("rd-272727", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void ReasonPhrase_ErrorMessage_AndWebSocketCloseReason_QuotingACredential_AreRedacted()
    {
        const string Bearer = "BT-reason-212121";
        var refused = Get("https://api.test/me", HttpResponse.Create(401, "no"), ("Authorization", $"Bearer {Bearer}"));
        refused.Response!.Reason = $"invalid token {Bearer}";
        var failed = Get("https://api.test/again", null, ("Authorization", $"Bearer {Bearer}"));
        failed.Response = null;
        failed.Error = new FlowError($"the server sent a malformed response: invalid Content-Length '{Bearer}'", DateTimeOffset.UnixEpoch);
        var socket = Get("https://api.test/ws", HttpResponse.Create(101, ""), ("Authorization", $"Bearer {Bearer}"));
        socket.WebSocket = new WebSocketData { CloseCode = 1008, CloseReason = $"bad token {Bearer}" };

        var cassette = Written(refused, failed, socket);

        Assert.DoesNotContain(Bearer, cassette, StringComparison.Ordinal);
        Assert.Contains("invalid token <AUTHORIZATION>", cassette, StringComparison.Ordinal);
        Assert.Contains("bad token <AUTHORIZATION>", cassette, StringComparison.Ordinal);
    }

    // A placeholder can be longer than the secret it replaces: a full close reason would pass the 123
    // bytes a close frame holds, and the cassette it was written to would not load.
    [Fact]
    public void WebSocketCloseReason_FullAndLongerOnceRedacted_IsCutToFitAndTheCassetteLoads()
    {
        const string Bearer = "BT-cut-31";
        var socket = Get("https://api.test/ws", HttpResponse.Create(101, ""), ("Authorization", $"Bearer {Bearer}"));
        socket.WebSocket = new WebSocketData { CloseCode = 1008, CloseReason = new string('x', 110) + " " + Bearer };
        var path = Path.Combine(_directory, "cut.json");

        Cassette.Save(path, [socket]);

        var reason = Assert.Single(Cassette.Load(path).Flows).WebSocket!.CloseReason!;
        Assert.StartsWith(new string('x', 110) + " <AUTHOR", reason, StringComparison.Ordinal);
        Assert.Equal(123, Encoding.UTF8.GetByteCount(reason));
        Assert.DoesNotContain(Bearer, File.ReadAllText(path), StringComparison.Ordinal);
    }

    // Its strings, not its numbers: a lifetime beside the secret (expires_in 3600) learned as a secret
    // would replace every 3600 in the cassette, and leave the JSON it stood in invalid.
    [Fact]
    public void SecretField_HoldingAListOrAnObject_HasEveryStringRedacted()
    {
        var config = Get("https://api.test/config", HttpResponse.Create(200, "{\"password\":[\"PW-array-121212\"],\"client_secret\":{\"value\":\"CS-obj-131313\",\"expires_in\":3600}}", "application/json"));
        config.Response!.Headers.Set("Cache-Control", "max-age=3600");

        var cassette = Written(config);

        Assert.DoesNotContain("PW-array-121212", cassette, StringComparison.Ordinal);
        Assert.DoesNotContain("CS-obj-131313", cassette, StringComparison.Ordinal);
        Assert.Contains("max-age=3600", cassette, StringComparison.Ordinal);
        Assert.Matches(@"expires_in\\?"":\s*3600", cassette); // the lifetime kept as the number it was
    }

    [Theory]
    [InlineData("https://app.test/cb#access_token=AT-frag-666666&token_type=bearer")] // the implicit grant (RFC 6749 §4.2.2)
    [InlineData("https://app.test/cb?state=x&access_token=AT-locq-777777")]
    public void RedirectCarryingAToken_IsLearnedAndRedacted(string location)
    {
        var secret = location[(location.IndexOf("AT-", StringComparison.Ordinal))..].Split('&')[0];
        var redirect = Get("https://auth.test/authorize", HttpResponse.Create(302, [], ("Location", location)));
        var later = Get($"https://api.test/exchange?x={secret}");

        var cassette = Written(redirect, later);

        Assert.DoesNotContain(secret, cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonBehindAnAntiXssiPrefix_IsLearnedAndRedacted()
    {
        var cassette = Written(Get("https://api.test/token", HttpResponse.Create(200, ")]}'\n{\"access_token\":\"AT-xssi-818181\"}", "application/json")));

        Assert.DoesNotContain("AT-xssi-818181", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public void MultipartFormField_NamedAsASecret_IsLearnedAndRedacted()
    {
        var body = Encoding.UTF8.GetBytes("--b0\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nada\r\n--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nPW-multi-262626\r\n--b0--\r\n");
        var flow = new Flow(HttpRequest.Create("POST", "https://api.test/login", body, ("Content-Type", "multipart/form-data; boundary=b0"))) { Response = HttpResponse.Create(200, "ok") };

        var cassette = Written(flow);

        Assert.DoesNotContain("PW-multi-262626", cassette, StringComparison.Ordinal);
        Assert.Contains("ada", cassette, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JsonWithADuplicatedSecretKey_HasBothValuesRedacted_AndIsRecordedWhole()
    {
        var flow = Get("https://api.test/token", HttpResponse.Create(200, "{\"access_token\":\"AT-first-919191\",\"access_token\":\"AT-second-929292\"}", "application/json"));
        var path = Path.Combine(_directory, "dup.json");

        var failures = 0;
        await using (var writer = CassetteWriter.Create(path))
        {
            writer.Append(flow);
            await writer.FlushAsync();
            failures = writer.Failures;
        }

        var cassette = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(0, failures);
        Assert.DoesNotContain("AT-first-919191", cassette, StringComparison.Ordinal);
        Assert.DoesNotContain("AT-second-929292", cassette, StringComparison.Ordinal);
    }

    /// <summary>The flows of the cassette these flows make, read back as a replay reads them.</summary>
    private IReadOnlyList<Flow> SavedAndLoaded(Redactor redactor, params Flow[] flows)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        Cassette.Save(path, flows, redactor);
        return Cassette.Load(path).Flows;
    }

    // A number under a secret field is the secret; the placeholder put where it stood must leave
    // the JSON valid, as must the same number (or a longer one holding it) anywhere else.
    [Fact]
    public void NumericSecret_UnderASecretField_AndEqualNumbersElsewhere_LeaveEveryJsonBodyValid()
    {
        var login = Get("https://api.test/login", HttpResponse.Create(200, "{\"password\": 271828, \"tries\": [271828, 12718289]}", "application/json"));
        var stats = Get("https://api.test/stats", HttpResponse.Create(200, "{\"visits\":271828}", "application/json"));

        var flows = SavedAndLoaded(Redactor.Default, login, stats);

        foreach (var text in flows.Select(f => f.Response!.Text!))
        {
            using var json = System.Text.Json.JsonDocument.Parse(text); // throws on invalid JSON
            Assert.DoesNotContain("271828", text, StringComparison.Ordinal);
        }

        Assert.Contains("\"password\": \"<PASSWORD>\"", flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.Contains("\"1<PASSWORD>9\"", flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.Equal("{\"visits\":\"<PASSWORD>\"}", flows[1].Response!.Text);
    }

    [Fact]
    public void NumericSecret_AtAConfiguredJsonPath_LeavesTheJsonValid()
    {
        var redactor = new Redactor(new RedactionOptions { JsonFields = ["account.pin"] });
        var account = Get("https://api.test/account", HttpResponse.Create(200, "{\"account\":{\"pin\":90210,\"id\":7}}", "application/json"));

        var flows = SavedAndLoaded(redactor, account);

        Assert.Equal("{\"account\":{\"pin\":\"<PIN>\",\"id\":7}}", flows[0].Response!.Text);
    }

    // A raw + in a query is a space to a form decoder and a plus to many servers; the secret is
    // whichever the server read, so both are secrets, one placeholder, and every spelling of either goes.
    [Theory]
    [InlineData("access_token=QT-plus+two/val", "QT-plus%2Btwo%2Fval")] // learned from a raw +, spelled later with %2B
    [InlineData("access_token=QT-pct%2Bthree", "QT-pct+three")] // learned from %2B, spelled later with a raw +
    public void QueryValue_LearnedInOneSpellingOfPlus_IsRedactedInTheOther(string learned, string spelled)
    {
        var first = Get($"https://api.test/items?{learned}");
        var later = Get($"https://api.test/echo?t={spelled}", HttpResponse.Create(200, $"you sent {spelled}"), ("X-Echo", spelled));
        var body = new Flow(HttpRequest.Create("POST", "https://api.test/post", Encoding.UTF8.GetBytes($"{{\"t\":\"{spelled}\"}}"), ("Content-Type", "application/json")))
        {
            Response = HttpResponse.Create(200, "ok"),
        };

        var cassette = Written(first, later, body);

        Assert.DoesNotContain(spelled, cassette, StringComparison.Ordinal);
        Assert.DoesNotContain("QT-p", cassette, StringComparison.Ordinal);
        Assert.Contains("/echo?t=<ACCESS_TOKEN>", cassette, StringComparison.Ordinal);
    }

    // RFC 4627 §3: with no byte order mark and no charset, JSON's NUL pattern in its first four bytes says UTF-16 or UTF-32.
    [Theory]
    [InlineData("utf-16LE")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32LE")]
    [InlineData("utf-32BE")]
    public void WideJsonBody_WithoutAByteOrderMarkOrCharset_IsLearnedAndRedacted(string charset)
    {
        const string Token = "AT-wide-313131";
        var encoding = Encoding.GetEncoding(charset);
        var flow = new Flow(HttpRequest.Create("POST", "https://auth.test/token"))
        {
            Response = HttpResponse.Create(200, encoding.GetBytes($"{{\"access_token\":\"{Token}\"}}"), ("Content-Type", "application/json")),
        };
        var later = Get("https://api.test/me", null, ("X-Token", Token));

        var flows = SavedAndLoaded(Redactor.Default, flow, later);

        Assert.Equal("{\"access_token\":\"<ACCESS_TOKEN>\"}", encoding.GetString(flows[0].Response!.Body!)); // still in its own encoding
        Assert.Equal("<ACCESS_TOKEN>", flows[1].Request.Headers["X-Token"]);
    }

    // A value shorter than MinimumSecretLength is not searched for elsewhere (it would rewrite
    // unrelated text), but in the field that names it as a secret it is the secret, and it went
    // into the cassette in clear in every place but the query and the credential headers.
    [Theory]
    [InlineData("form", "user=abc&password=abc", "user=abc&password=<PASSWORD>")]
    [InlineData("form", "user=abc&password=a%20c&api_key=ab", "user=abc&password=<PASSWORD>&api_key=<API_KEY>")]
    [InlineData("form", "pin=12&code=12", "pin=<PIN>&code=12")] // FormFields
    [InlineData("json", "{\"user\":\"abc\",\"password\":\"abc\"}", "{\"user\":\"abc\",\"password\":\"<PASSWORD>\"}")]
    [InlineData("json", "{\"n\":12,\"auth\":{\"password\":12}}", "{\"n\":12,\"auth\":{\"password\":\"<PASSWORD>\"}}")]
    [InlineData("json", "{\"token\":[\"ab\",\"cd\"],\"tab\":\"ab\"}", "{\"token\":[\"<TOKEN>\",\"<TOKEN-2>\"],\"tab\":\"ab\"}")]
    [InlineData("json", "{\"user\":{\"pin\":\"12\"},\"pin\":\"12\"}", "{\"user\":{\"pin\":\"<PIN>\"},\"pin\":\"12\"}")] // JsonFields
    [InlineData("json", "{\"password\":\"a\\u0062c\"}", "{\"password\":\"<PASSWORD>\"}")] // escaped in the body
    [InlineData("multipart", "--b0\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nabc\r\n--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nabc\r\n--b0--\r\n",
        "--b0\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nabc\r\n--b0\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n<PASSWORD>\r\n--b0--\r\n")]
    public void ShortSecret_InARequestBodyFieldNamedAsSecret_IsReplacedThere_AndNowhereElse(string kind, string body, string expected)
    {
        var contentType = kind switch
        {
            "form" => "application/x-www-form-urlencoded",
            "json" => "application/json",
            _ => "multipart/form-data; boundary=b0",
        };
        var redactor = new Redactor(new RedactionOptions { FormFields = ["pin"], JsonFields = ["user.pin"] });
        var login = new Flow(HttpRequest.Create("POST", "https://api.test/login", Encoding.UTF8.GetBytes(body), ("Content-Type", contentType))) { Response = HttpResponse.Create(200, "abc") };

        var flows = SavedAndLoaded(redactor, login);

        Assert.Equal(expected, flows[0].Request.Text);
        Assert.Equal("abc", flows[0].Response!.Text); // not searched for elsewhere
    }

    [Fact]
    public void ShortSecret_InAResponsesFormBody_AndInARedirectsQueryAndFragment_IsReplacedThere()
    {
        // GitHub's token endpoint answers a form unless asked for JSON; the implicit grant hands the token in the fragment.
        var token = Get("https://auth.test/token", HttpResponse.Create(200, "access_token=ab&scope=ab", "application/x-www-form-urlencoded"));
        var redirect = Get("https://auth.test/authorize", HttpResponse.Create(302, [], ("Location", "https://app.test/cb?state=xy&token=xy#access_token=cd&state=cd")));

        var flows = SavedAndLoaded(Redactor.Default, token, redirect);

        Assert.Equal("access_token=<ACCESS_TOKEN>&scope=ab", flows[0].Response!.Text);
        Assert.Equal("https://app.test/cb?state=xy&token=<TOKEN>#access_token=<ACCESS_TOKEN-2>&state=cd", flows[1].Response!.Headers["Location"]);
    }

    // Recorded through the proxy from a real server, then replayed: the short secrets are gone from
    // their fields, everything else is as the client sent it, and live requests carrying the real
    // values still match the recording.
    [Fact]
    public async Task Record_ShortSecretsInQueryFormJsonAndMultipart_AreReplacedInTheirFields_AndTheCassetteReplays()
    {
        await using var server = new CountingServer();
        var path = Path.Combine(_directory, "short.json");
        var writer = CassetteWriter.Create(path);
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            await SendShortSecretsAsync(harness.CreateClient(), server.Url);
        }

        await writer.DisposeAsync();
        var flows = Cassette.Load(path).Flows;

        Assert.Equal("/search?q=abc&token=<TOKEN>", flows[0].Request.Path);
        Assert.Equal("user=abc&password=<PASSWORD>", flows[1].Request.Text);
        Assert.Equal("{\"user\":\"abc\",\"password\":\"<PASSWORD>\"}", flows[2].Request.Text);
        Assert.Matches("name=\"?user\"?\r\n\r\nabc\r\n", flows[3].Request.Text); // HttpClient leaves a plain name unquoted
        Assert.Matches("name=\"?password\"?\r\n\r\n<PASSWORD>\r\n", flows[3].Request.Text);
        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.DoesNotContain("pwq", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tkq", text, StringComparison.Ordinal);

        var cassette = Cassette.Load(path);
        var replay = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var offline = await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
        await SendShortSecretsAsync(offline.CreateClient(), server.Url);

        Assert.All(offline.Proxy.Flows.Snapshot(), f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.Equal(0, replay.Store.Remaining);
        Assert.Equal(4, server.Requests); // the replay reached no server
    }

    private static async Task SendShortSecretsAsync(HttpClient client, string url)
    {
        var cancel = TestContext.Current.CancellationToken;
        (await client.GetAsync(url + "/search?q=abc&token=tkq", cancel)).EnsureSuccessStatusCode();
        using var form = new FormUrlEncodedContent([new("user", "abc"), new("password", "pwq")]);
        (await client.PostAsync(url + "/form", form, cancel)).EnsureSuccessStatusCode();
        using var json = new StringContent("{\"user\":\"abc\",\"password\":\"pwq\"}", Encoding.UTF8, "application/json");
        (await client.PostAsync(url + "/json", json, cancel)).EnsureSuccessStatusCode();
        using var multipart = new MultipartFormDataContent("b0") { { new StringContent("abc"), "user" }, { new StringContent("pwq"), "password" } };
        (await client.PostAsync(url + "/multipart", multipart, cancel)).EnsureSuccessStatusCode();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
