using System.Text;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Tests.Cassettes;

/// <summary>Cassette-wide redaction: a secret learned in any flow is replaced in every flow, in every form, by one placeholder.</summary>
public sealed class RedactorTests : IDisposable
{
    private const string AccessToken = "at-9f8e7d6c5b4a";
    private const string RefreshToken = "rt-0a1b2c3d4e5f";
    private const string IdToken = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.c2ln";
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-redactor-").FullName;

    private static Flow TokenResponse(string accessToken = AccessToken) => new(HttpRequest.Create("POST", "https://auth.test/token", "grant_type=client_credentials"u8.ToArray(), ("Content-Type", "application/x-www-form-urlencoded")))
    {
        Response = HttpResponse.Create(200, $"{{\"access_token\":\"{accessToken}\",\"token_type\":\"Bearer\",\"refresh_token\":\"{RefreshToken}\",\"id_token\":\"{IdToken}\"}}", "application/json"),
    };

    private static Flow Get(string url, params (string, string)[] headers) => new(HttpRequest.Create("GET", url, null, headers)) { Response = HttpResponse.Create(200, "ok") };

    private static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // The API key and token headers of widely used APIs carry the credential as the whole value, and
    // are redacted by default like Authorization (README "Redaction"): in the header, and wherever the
    // same value shows up again.
    [Theory]
    [InlineData("X-Api-Key", "X_API_KEY")]
    [InlineData("Api-Key", "API_KEY")]
    [InlineData("X-Auth-Token", "X_AUTH_TOKEN")]
    [InlineData("X-Access-Token", "X_ACCESS_TOKEN")]
    [InlineData("Private-Token", "PRIVATE_TOKEN")]
    [InlineData("X-Goog-Api-Key", "X_GOOG_API_KEY")]
    [InlineData("Ocp-Apim-Subscription-Key", "OCP_APIM_SUBSCRIPTION_KEY")]
    [InlineData("X-Amz-Security-Token", "X_AMZ_SECURITY_TOKEN")]
    [InlineData("x-vault-token", "X_VAULT_TOKEN")]
    public void Redact_ApiKeyHeaderOfACommonApi_IsReplacedByDefault_InTheHeaderAndElsewhere(string header, string kind)
    {
        const string Key = "key-7c1e9a3b5d2f";
        var flow = new Flow(HttpRequest.Create("GET", "https://api.test/me", null, (header, Key))) { Response = HttpResponse.Create(200, $"you sent {Key}") };

        var json = Cassette.ToJson(Redactor.Default.Redact([flow]));

        Assert.DoesNotContain(Key, json, StringComparison.Ordinal);
        Assert.Contains($"{header}: <{kind}>", json, StringComparison.Ordinal);
        Assert.Contains($"you sent <{kind}>", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_TokenFromAResponseBody_IsReplacedInEarlierAndLaterFlowsInEveryForm()
    {
        var before = Get($"https://api.test/early?seen={AccessToken}");
        var later = Get("https://api.test/items", ("Authorization", $"Bearer {AccessToken}"));
        var refresh = new Flow(HttpRequest.Create("POST", "https://auth.test/token", Encoding.UTF8.GetBytes($"grant_type=refresh_token&refresh_token={RefreshToken}"), ("Content-Type", "application/x-www-form-urlencoded")))
        {
            Response = HttpResponse.Create(200, $"state {Base64Url(AccessToken + "?")} and {Convert.ToBase64String(Encoding.UTF8.GetBytes(IdToken))}"),
        };

        var json = Cassette.ToJson([before, TokenResponse(), later, refresh]);
        var flows = Redactor.Default.Redact([before, TokenResponse(), later, refresh]);

        foreach (var secret in new[] { AccessToken, RefreshToken, IdToken, Base64Url(AccessToken + "?"), Convert.ToBase64String(Encoding.UTF8.GetBytes(IdToken)) })
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }

        Assert.Equal("/early?seen=<ACCESS_TOKEN>", flows[0].Request.Path);
        Assert.Contains("\"access_token\":\"<ACCESS_TOKEN>\"", flows[1].Response!.Text, StringComparison.Ordinal);
        Assert.Contains("\"id_token\":\"<ID_TOKEN>\"", flows[1].Response!.Text, StringComparison.Ordinal);
        Assert.Equal("Bearer <ACCESS_TOKEN>", flows[2].Request.Headers["Authorization"]);
        Assert.Equal("grant_type=refresh_token&refresh_token=<REFRESH_TOKEN>", flows[3].Request.Text);
        Assert.Equal($"Bearer {AccessToken}", later.Request.Headers["Authorization"]); // the live flows are untouched
    }

    [Fact]
    public void Redact_Trailers_CredentialsInThemAreLearnedAndSecretsInThemReplaced_AndTheyAreRestoredOnReplay()
    {
        // Trailers are header fields sent after the body (gRPC's, a chunked upload's): the same credentials travel in them.
        var upload = new Flow(HttpRequest.Create("POST", "https://api.test/upload", "data"u8.ToArray()))
        {
            Response = HttpResponse.Create(200, "stored"),
        };
        upload.Request.Trailers = new HttpHeaders(("Authorization", "Bearer trailer-token-7777"), ("X-Checksum", "abc"));
        upload.Response!.Trailers = new HttpHeaders(("X-Echo", $"seen {AccessToken}"));
        var redactor = new Redactor(new RedactionOptions { Placeholders = new Dictionary<string, Func<string?>> { ["API_KEY"] = () => "k-123456" } });
        var keyInTrailer = new Flow(HttpRequest.Create("GET", "https://api.test/k?key=k-123456")) { Response = HttpResponse.Create(200, "ok") };
        keyInTrailer.Response!.Trailers = new HttpHeaders(("X-Key", "k-123456"));

        var flows = redactor.Redact([TokenResponse(), upload, Get("https://api.test/echo?t=trailer-token-7777"), keyInTrailer]);

        Assert.Equal("Bearer <AUTHORIZATION>", flows[1].Request.Trailers!["Authorization"]);
        Assert.Equal("abc", flows[1].Request.Trailers!["X-Checksum"]);
        Assert.Equal("seen <ACCESS_TOKEN>", flows[1].Response!.Trailers!["X-Echo"]);
        Assert.Equal("/echo?t=<AUTHORIZATION>", flows[2].Request.Path); // learned from the trailer, replaced elsewhere too
        Assert.Equal("<API_KEY>", flows[3].Response!.Trailers!["X-Key"]);
        Assert.Equal("Bearer trailer-token-7777", upload.Request.Trailers["Authorization"]); // the live flow is untouched

        redactor.Restore(flows[3].Response!);
        Assert.Equal("k-123456", flows[3].Response!.Trailers!["X-Key"]);
    }

    [Fact]
    public void Redact_DistinctSecretsOfOneKind_GetNumberedPlaceholders_TheSameSecretAlwaysTheSame()
    {
        var flows = Redactor.Default.Redact([
            Get("https://a.test/1", ("Authorization", "Bearer first-token-1111")),
            Get("https://a.test/2", ("Authorization", "Bearer second-token-2222")),
            Get("https://a.test/3?echo=first-token-1111", ("Authorization", "Bearer first-token-1111")),
        ]);

        Assert.Equal("Bearer <AUTHORIZATION>", flows[0].Request.Headers["Authorization"]);
        Assert.Equal("Bearer <AUTHORIZATION-2>", flows[1].Request.Headers["Authorization"]);
        Assert.Equal("Bearer <AUTHORIZATION>", flows[2].Request.Headers["Authorization"]);
        Assert.Equal("/3?echo=<AUTHORIZATION>", flows[2].Request.Path);
    }

    [Fact]
    public void Redact_BasicCredential_DecodedPasswordIsRedactedWhereverItAppears()
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes("app-client:pa55-w0rd-xyz"));
        var login = Get("https://a.test/login", ("Authorization", $"Basic {basic}"));
        var echo = new Flow(HttpRequest.Create("GET", "https://a.test/other")) { Response = HttpResponse.Create(200, "your password is pa55-w0rd-xyz") };

        var flows = Redactor.Default.Redact([echo, login]);

        Assert.Equal("Basic <AUTHORIZATION>", flows[1].Request.Headers["Authorization"]);
        Assert.Equal("your password is <PASSWORD>", flows[0].Response!.Text);
    }

    [Fact]
    public void Redact_Cookies_EachValueItsOwnPlaceholder_SetCookieAttributesKept()
    {
        var login = new Flow(HttpRequest.Create("POST", "https://a.test/login")) { Response = HttpResponse.Create(200, null, ("Set-Cookie", "sid=session-abcdef; Path=/; HttpOnly")) };
        var next = Get("https://a.test/me", ("Cookie", "theme=dark-mode; sid=session-abcdef"));
        var body = Get("https://a.test/debug?s=session-abcdef");

        var flows = Redactor.Default.Redact([login, next, body]);

        Assert.Equal("sid=<COOKIE>; Path=/; HttpOnly", flows[0].Response!.Headers["Set-Cookie"]);
        Assert.Equal("theme=<COOKIE-2>; sid=<COOKIE>", flows[1].Request.Headers["Cookie"]);
        Assert.Equal("/debug?s=<COOKIE>", flows[2].Request.Path);
    }

    // README: a value shorter than MinimumSecretLength is replaced in its own header but not
    // searched for elsewhere; the query scrub once looked values up without that rule.
    [Fact]
    public void Redact_ACookieShorterThanTheMinimum_LeavesAnEqualQueryValueElsewhere()
    {
        var flows = Redactor.Default.Redact([Get("https://a.test/", ("Cookie", "n=1")), Get("https://a.test/query?page=1&n=1")]);

        Assert.Equal("n=<COOKIE>", flows[0].Request.Headers["Cookie"]);
        Assert.Equal("/query?page=1&n=1", flows[1].Request.Path);
    }

    [Fact]
    public void Redact_ANamedSecretShorterThanTheMinimum_IsReplacedWhereNamedOnly_NotAsAnotherQueryValue()
    {
        var flows = Redactor.Default.Redact([Get("https://a.test/login?password=ab"), Get("https://a.test/list?tab=ab&password=ab")]);

        Assert.Equal("/login?password=<PASSWORD>", flows[0].Request.Path);
        Assert.Equal("/list?tab=ab&password=<PASSWORD>", flows[1].Request.Path);
    }

    // author, keyboard and monkey hold auth and key as letters, not as words: their ordinary values stay where the site shows them.
    [Theory]
    [InlineData("author")]
    [InlineData("keyboard")]
    [InlineData("monkey")]
    [InlineData("passive")]
    public void Redact_AnOrdinaryCookieUnderANameThatOnlyContainsACredentialWord_StaysElsewhere(string name)
    {
        var cookie = Get("https://a.test/posts", ("Cookie", $"{name}=lovelace"));
        var page = new Flow(HttpRequest.Create("GET", "https://a.test/posts/lovelace")) { Response = HttpResponse.Create(200, "{\"by\":\"lovelace\"}", "application/json") };

        var flows = Redactor.Default.Redact([cookie, page]);

        Assert.Equal($"{name}=<COOKIE>", flows[0].Request.Headers["Cookie"]);
        Assert.Equal("/posts/lovelace", flows[1].Request.Path);
        Assert.Equal("{\"by\":\"lovelace\"}", flows[1].Response!.Text);
    }

    [Fact]
    public void Redact_AnOrdinaryCookieValue_StaysElsewhere_UntilANamedSecretHasTheSameValue()
    {
        var early = new Flow(HttpRequest.Create("GET", "https://a.test/theme")) { Response = HttpResponse.Create(200, "{\"theme\":\"darkmode\"}", "application/json") };
        var cookie = Get("https://a.test/darkmode", ("Cookie", "theme=darkmode"));

        Assert.Equal("/darkmode", Redactor.Default.Redact([early, cookie])[1].Request.Path);

        var login = new Flow(HttpRequest.Create("POST", "https://a.test/login", "{\"password\":\"darkmode\"}"u8.ToArray(), ("Content-Type", "application/json")));
        var flows = Redactor.Default.Redact([early, cookie, login]);

        Assert.Equal("theme=<COOKIE>", flows[1].Request.Headers["Cookie"]);
        Assert.Equal("{\"theme\":\"<COOKIE>\"}", flows[0].Response!.Text);
        Assert.Equal("/<COOKIE>", flows[1].Request.Path);
    }

    [Fact]
    public void Redact_SecretFieldsAreConfigurable_AndFoundAtAnyDepth()
    {
        var redactor = new Redactor(new RedactionOptions { SecretFields = ["api_secret"] });
        var flow = new Flow(HttpRequest.Create("POST", "https://a.test/", "{\"outer\":{\"list\":[{\"api_secret\":\"deep-secret-42\"}]},\"access_token\":\"not-a-secret-here\"}"u8.ToArray(), ("Content-Type", "application/json")));

        var text = redactor.Redact(flow).Request.Text;

        Assert.Equal("{\"outer\":{\"list\":[{\"api_secret\":\"<API_SECRET>\"}]},\"access_token\":\"not-a-secret-here\"}", text);
    }

    [Fact]
    public void Redact_AlreadyRedactedCassette_KeepsItsPlaceholdersAndNumbersNewSecretsPastThem()
    {
        var redacted = Redactor.Default.Redact([TokenResponse()]);

        var again = Redactor.Default.Redact([.. redacted, TokenResponse("at-another-one-77")]);

        Assert.Equal(redacted[0].Response!.Text, again[0].Response!.Text);
        Assert.Contains("\"access_token\":\"<ACCESS_TOKEN-2>\"", again[1].Response!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_ASecretThatIsPartOfAPlaceholder_LeavesThePlaceholderWhole_AndManySecretsStayDistinct()
    {
        var flows = new List<Flow> { TokenResponse() };
        for (var i = 0; i < 600; i++)
        {
            flows.Add(Get($"https://a.test/{i}", ("Cookie", $"sid=cookie-{i:D5}")));
        }

        flows.Add(new Flow(HttpRequest.Create("GET", "https://a.test/x?password=TOKEN")) { Response = HttpResponse.Create(200, $"{AccessToken} cookie-00042 cookie-00599") });

        var redacted = Redactor.Default.Redact(flows);

        Assert.Equal("/x?password=<PASSWORD>", redacted[^1].Request.Path);
        Assert.Equal("<ACCESS_TOKEN> <COOKIE-43> <COOKIE-600>", redacted[^1].Response!.Text);
        Assert.Contains("\"access_token\":\"<ACCESS_TOKEN>\"", redacted[0].Response!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_SecretsLearnedOneByOne_OneExtendingAnother_TheLongestIsReplacedWhole()
    {
        var flows = new List<Flow>();
        for (var i = 0; i < 300; i++)
        {
            flows.Add(Get($"https://a.test/{i}", ("Cookie", $"sid=tok-{i:D4}")));
        }

        for (var i = 0; i < 300; i += 50)
        {
            flows.Add(Get($"https://a.test/x{i}", ("Cookie", $"sid=tok-{i:D4}-extended")));
        }

        flows.Add(new Flow(HttpRequest.Create("GET", "https://a.test/echo")) { Response = HttpResponse.Create(200, "tok-0050-extended tok-0050 tok-0299 tok-0250-extende") });

        var redacted = Redactor.Default.Redact(flows);

        // tok-0000..tok-0299 are COOKIE-1..300 in learning order; the extended ones follow from COOKIE-301.
        Assert.Equal("<COOKIE-302> <COOKIE-51> <COOKIE-300> <COOKIE-251>-extende", redacted[^1].Response!.Text);
        Assert.Equal("sid=<COOKIE-306>", redacted[^2].Request.Headers["Cookie"]);
    }

    [Theory]
    [InlineData("text/plain; charset=iso-8859-1", "latin1")]
    [InlineData("application/json", "utf-16-bom")]
    [InlineData("application/octet-stream", "binary")]
    public void Redact_SecretInABodyThatIsNotUtf8_IsReplacedAndTheOtherBytesKept(string contentType, string form)
    {
        byte[] Encode(string text) => form switch
        {
            "latin1" => Encoding.Latin1.GetBytes($"café {text} naïve"),
            "utf-16-bom" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes($"{{\"note\":\"{text}\"}}")],
            _ => [0xFF, 0x00, 0x80, .. Encoding.ASCII.GetBytes(text), 0xC3, 0x28],
        };

        var leaking = new Flow(HttpRequest.Create("GET", "https://api.test/blob")) { Response = HttpResponse.Create(200, Encode(AccessToken), ("Content-Type", contentType)) };

        var flows = Redactor.Default.Redact([TokenResponse(), leaking]);

        Assert.Equal(Encode("<ACCESS_TOKEN>"), flows[1].Response!.Body);
        Assert.Equal(Encode(AccessToken), leaking.Response!.Body); // the live flow is untouched
    }

    [Fact]
    public void Redact_SecretInABinaryWebSocketMessage_IsReplaced()
    {
        var flow = Get("https://api.test/socket");
        flow.WebSocket = new WebSocketData();
        flow.WebSocket.Add(new WebSocketMessage(WebSocketMessageType.Binary, true, [0x08, 0x96, .. Encoding.ASCII.GetBytes(AccessToken), 0xFF], DateTimeOffset.UtcNow));

        var flows = Redactor.Default.Redact([TokenResponse(), flow]);

        Assert.Equal([0x08, 0x96, .. Encoding.ASCII.GetBytes("<ACCESS_TOKEN>"), 0xFF], flows[1].WebSocket!.Messages[0].Content);
    }

    [Fact]
    public async Task Writer_SecretLearnedInFlowFive_IsScrubbedFromFlowsOneToFourOnDisk()
    {
        var path = Path.Combine(_directory, "incremental.json");
        await using (var writer = CassetteWriter.Create(path))
        {
            for (var i = 1; i <= 4; i++)
            {
                writer.Append(Get($"https://a.test/{i}?t={AccessToken}"));
            }

            await writer.FlushAsync();
            Assert.Contains(AccessToken, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), StringComparison.Ordinal); // not known to be a secret yet

            writer.Append(TokenResponse());
            await writer.FlushAsync();
            Assert.DoesNotContain(AccessToken, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Equal(5, flows.Count);
        Assert.All(flows.Take(4), f => Assert.EndsWith("?t=<ACCESS_TOKEN>", f.Request.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writer_AnOrdinaryCookieValueLaterLearnedAsANamedSecret_IsScrubbedFromEarlierFlowsOnDisk()
    {
        var path = Path.Combine(_directory, "promoted.json");
        await using (var writer = CassetteWriter.Create(path))
        {
            writer.Append(Get("https://a.test/darkmode", ("Cookie", "theme=darkmode")));
            await writer.FlushAsync();
            Assert.Contains("/darkmode", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), StringComparison.Ordinal); // an ordinary cookie value

            writer.Append(Get("https://a.test/login?password=darkmode"));
            await writer.FlushAsync();
        }

        Assert.DoesNotContain("darkmode", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // A report or snapshot is redacted whatever an addon did to a flow: the broken one is reduced to its
    // request line, saying why, and the others are redacted as usual.
    [Fact]
    public void Redact_AFlowThatCannotBeRead_IsKeptAsItsRequestLine_AndTheRestIsRedacted()
    {
        var broken = Get($"https://api.test/items?access_token={AccessToken}", ("Authorization", "Bearer bt-broken-515151"));
        broken.Request.Path = null!;

        var redacted = Redactor.Default.Redact([TokenResponse(), broken, Get("https://api.test/next", ("Authorization", "Bearer bt-broken-515151"))]);

        Assert.Equal("{\"access_token\":\"<ACCESS_TOKEN>\",\"token_type\":\"Bearer\",\"refresh_token\":\"<REFRESH_TOKEN>\",\"id_token\":\"<ID_TOKEN>\"}", redacted[0].Response!.Text);
        Assert.Empty(redacted[1].Request.Headers);
        Assert.Null(redacted[1].Response);
        Assert.StartsWith("could not be redacted (NullReferenceException", redacted[1].Error!.Message, StringComparison.Ordinal);
        Assert.Equal("Bearer <AUTHORIZATION>", redacted[2].Request.Headers.Get("Authorization"));
    }

    // record --append in another mode: the kept flows keep the mode they were recorded in, also when
    // a secret learned from a new flow makes the writer scrub and rewrite them.
    [Fact]
    public async Task Writer_Append_KeepsEachKeptFlowsMode_ThroughAScrubOfEarlierFlows()
    {
        var path = Path.Combine(_directory, "modes.json");
        Cassette.SaveWithModes(path, [Get("http://a.test/one"), Get($"http://a.test/two?t={AccessToken}")], ["reverse:http://127.0.0.1:9", "regular"], redactor: null);

        await using (var writer = CassetteWriter.Create(path, mode: "socks5", append: true))
        {
            writer.Append(TokenResponse());
        }

        var cassette = Cassette.Load(path);
        Assert.Equal(["reverse:http://127.0.0.1:9", "regular", "socks5"], cassette.Modes);
        Assert.Equal("/two?t=<ACCESS_TOKEN>", cassette.Flows[1].Request.Path); // rewritten by the scrub, mode and all
    }

    [Fact]
    public async Task Writer_Append_NumbersNewSecretsPastThePlaceholdersAlreadyInTheFile()
    {
        var path = Path.Combine(_directory, "append.json");
        Cassette.Save(path, [TokenResponse()]);

        await using (var writer = CassetteWriter.Create(path, append: true))
        {
            writer.Append(TokenResponse("at-second-token-55"));
        }

        var flows = Cassette.Load(path).Flows;
        Assert.Contains("<ACCESS_TOKEN>", flows[0].Response!.Text, StringComparison.Ordinal);
        Assert.Contains("<ACCESS_TOKEN-2>", flows[1].Response!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_TokenFromALiveResponse_LetsALaterLiveRequestCarryingItMatchTheRecording()
    {
        var recorded = Redactor.Default.Redact([TokenResponse(), Get($"https://api.test/items?access_token={AccessToken}")]);
        var addon = new ServerReplayAddon(new ReplayStore([recorded[1]], new ServerReplayOptions()), null, Redactor.Default);

        // The token endpoint is not in the recording: its response came from a live server.
        var live = TokenResponse("at-live-token-0000");
        await addon.ResponseAsync(live, TestContext.Current.CancellationToken);
        var request = new Flow(HttpRequest.Create("GET", "https://api.test/items?access_token=at-live-token-0000"));
        await addon.RequestAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(ReplayKind.Response, request.Replay);
        Assert.Equal("https://api.test/items?access_token=at-live-token-0000", request.Request.Url); // the live request itself is untouched
    }

    [Theory]
    [InlineData("/items?access_token=<ACCESS_TOKEN-2>")]
    [InlineData("/items?access_token=%3CACCESS_TOKEN%3E")]
    public void Fingerprint_PlaceholdersCompareByKind(string live)
    {
        var recorded = RequestFingerprint.Of(HttpRequest.Create("GET", "https://api.test/items?access_token=<ACCESS_TOKEN>"), new ServerReplayOptions());

        var probe = RequestFingerprint.Of(HttpRequest.Create("GET", "https://api.test" + live), new ServerReplayOptions());

        Assert.Equal(recorded.Key, probe.Key);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
