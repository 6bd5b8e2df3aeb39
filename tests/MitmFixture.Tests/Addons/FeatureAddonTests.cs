using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using MitmFixture.Addons;
using MitmFixture.Addons.Specs;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Addons;

/// <summary>Each feature through the real proxy and a real server: what the server and the client actually saw.</summary>
public sealed class FeatureAddonTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    private async Task<ProxyHarness> StartAsync(FeatureOptions features, ProxyMode? mode = null)
    {
        var errors = new List<string>();
        var addons = ProxyPipeline.FeaturesFor(new ProxyConfiguration { Proxy = new ProxyOptions { Mode = mode ?? ProxyMode.Regular }, Features = features }, errors).Build(errors);
        Assert.Empty(errors);
        return await ProxyHarness.StartAsync(Upstream, o => o with { Addons = addons });
    }

    [Fact]
    public async Task Anticache_StripsConditionalHeaders()
    {
        await using var harness = await StartAsync(new FeatureOptions { Anticache = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{Upstream.HttpUrl}/echo/ac");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"v1\""));
        request.Headers.IfModifiedSince = DateTimeOffset.UtcNow;

        var text = await (await harness.CreateClient().SendAsync(request, TestContext.Current.CancellationToken)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.DoesNotContain("If-None-Match", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("If-Modified-Since", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Anticomp_AsksForIdentity()
    {
        await using var harness = await StartAsync(new FeatureOptions { Anticomp = true });
        var client = harness.CreateClient();
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip, br");

        var text = await client.GetStringAsync($"{Upstream.HttpUrl}/echo/comp", TestContext.Current.CancellationToken);

        Assert.Contains("Accept-Encoding: identity", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModifyHeaders_ReplacesAndRemovesOnRequestsAndResponses()
    {
        await using var harness = await StartAsync(new FeatureOptions
        {
            ModifyHeaders = ["/~q/X-Api-Key/injected", "/~q/User-Agent/", "|~s|X-From-Proxy|yes"],
        });
        var client = harness.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", "original");
        client.DefaultRequestHeaders.Add("User-Agent", "test-agent/1.0"); // sent, so that its removal shows
        client.DefaultRequestHeaders.Add("X-Kept", "kept");

        using var response = await client.GetAsync($"{Upstream.HttpUrl}/echo/h", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("X-Api-Key: injected", text, StringComparison.Ordinal);
        Assert.DoesNotContain("original", text, StringComparison.Ordinal);
        Assert.DoesNotContain("User-Agent", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("test-agent", text, StringComparison.Ordinal);
        Assert.Contains("X-Kept: kept", text, StringComparison.Ordinal);
        Assert.Equal("yes", response.Headers.GetValues("X-From-Proxy").Single());
    }

    [Fact]
    public async Task ModifyBody_RegexOnRequestAndResponseBodies_WithBackReferences()
    {
        await using var harness = await StartAsync(new FeatureOptions
        {
            ModifyBody = [@"/~q/secret=(\w+)/secret=<\1>", "/~s/echo/ECHO"],
        });

        using var response = await harness.CreateClient().PostAsync($"{Upstream.HttpUrl}/echo/body", new StringContent("secret=abc"), TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.EndsWith("\nsecret=<abc>", text, StringComparison.Ordinal);
        Assert.StartsWith("POST /ECHO/body", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModifyBody_OnGzipResponse_IsAppliedDecodedAndReencoded()
    {
        await using var harness = await StartAsync(new FeatureOptions { ModifyBody = ["/world/planet"] });
        var client = harness.CreateClient();

        var raw = await client.GetByteArrayAsync($"{Upstream.HttpUrl}/gzip", TestContext.Current.CancellationToken);

        Assert.True(ContentEncoding.TryDecode(raw, "gzip", out var decoded));
        Assert.Equal("{\"hello\":\"planet\"}", Encoding.UTF8.GetString(decoded));
    }

    [Fact]
    public async Task MapRemote_SendsRecordedHostToTheLocalServer()
    {
        await using var harness = await StartAsync(new FeatureOptions { MapRemote = [$"|~d api.example.com|https://api.example.com|{Upstream.HttpUrl}"] });

        var text = await harness.CreateClient().GetStringAsync("https://api.example.com/echo/mapped?x=1", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/mapped?x=1", text, StringComparison.Ordinal);
        Assert.Contains($"Host: 127.0.0.1:{Upstream.HttpPort}", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StickyCookie_CookiesSetForOneClientAreAddedForAnother()
    {
        await using var harness = await StartAsync(new FeatureOptions { StickyCookie = "~d 127.0.0.1" });

        await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/setcookie/session/s123", TestContext.Current.CancellationToken);
        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/later", TestContext.Current.CancellationToken);

        Assert.Contains("Cookie: session=s123", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StickyAuth_LastAuthorizationIsReplayedForTheHost()
    {
        await using var harness = await StartAsync(new FeatureOptions { StickyAuth = "~all" });
        var withAuth = harness.CreateClient();
        withAuth.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tok-1");

        await withAuth.GetStringAsync($"{Upstream.HttpUrl}/echo/login", TestContext.Current.CancellationToken);
        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/after", TestContext.Current.CancellationToken);

        Assert.Contains("Authorization: Bearer tok-1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyAuth_WrongOrMissingCredentialsGet407_RightOnesPassAndAreStripped()
    {
        await using var harness = await StartAsync(new FeatureOptions { ProxyAuth = "alice:s3cret" });
        var url = $"{Upstream.HttpUrl}/echo/auth";

        var none = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "-o", "/dev/null", "-w", "%{http_code}", url);
        var wrong = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "alice:nope", "-o", "/dev/null", "-w", "%{http_code}", url);
        var right = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "alice:s3cret", url);

        Assert.Equal("407", none.Stdout);
        Assert.Equal("407", wrong.Stdout);
        Assert.StartsWith("GET /echo/auth", right.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy-Authorization", right.Stdout, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ProxyAuth_HttpsConnect_IsCheckedAndTheTunnelThenWorks()
    {
        await using var harness = await StartAsync(new FeatureOptions { ProxyAuth = "alice:s3cret" });
        var ca = harness.WriteCaFile();
        var url = $"{Upstream.HttpsUrl}/echo/tls-auth";

        var refused = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--cacert", ca, url);
        var allowed = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "alice:s3cret", "--cacert", ca, url);

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("407", refused.Stderr, StringComparison.Ordinal);
        Assert.StartsWith("GET /echo/tls-auth", allowed.Stdout, StringComparison.Ordinal);

        var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url) { Credentials = new NetworkCredential("alice", "s3cret") },
            SslOptions = { RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback() },
        });
        Assert.StartsWith("GET /echo/tls-auth", await client.GetStringAsync(url, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StickyCookie_WithClientReplay_ReplayedLoginAuthenticatesAPlainClient()
    {
        // The seed's walkthrough: record a login once, client-replay it, then a plain client is logged in.
        await using var harness = await StartAsync(new FeatureOptions { StickyCookie = "~d 127.0.0.1" });
        var login = HttpRequest.Create("GET", $"{Upstream.HttpUrl}/setcookie/login/ok-42");

        var result = await MitmFixture.Replay.ClientReplayer.RunAsync([new MitmFixture.Flows.Flow(login)], harness.Proxy.ReplayAsync, cancellationToken: TestContext.Current.CancellationToken);
        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/private", TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Failed);
        Assert.Contains("Cookie: login=ok-42", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anticache_WithClientReplay_ConditionalHeadersNeverReachTheServer()
    {
        await using var harness = await StartAsync(new FeatureOptions { Anticache = true });
        var recorded = HttpRequest.Create("GET", $"{Upstream.HttpUrl}/echo/cached", null, ("If-None-Match", "\"abc\""));

        var result = await MitmFixture.Replay.ClientReplayer.RunAsync([new MitmFixture.Flows.Flow(recorded)], harness.Proxy.ReplayAsync, cancellationToken: TestContext.Current.CancellationToken);

        Assert.DoesNotContain("If-None-Match", Assert.Single(result.Flows).Response!.Text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ProxyAuth_Htpasswd_Sha1EntriesAuthenticate_BcryptRefusedClearly()
    {
        var file = Path.GetTempFileName();
        try
        {
#pragma warning disable CA5350 // htpasswd's {SHA} format is SHA1
            File.WriteAllText(file, $"alice:{{SHA}}{Convert.ToBase64String(SHA1.HashData("pw"u8))}\nbob:{{SHA}}{Convert.ToBase64String(SHA1.HashData("other"u8))}\n");
#pragma warning restore CA5350
            await using (var harness = await StartAsync(new FeatureOptions { ProxyAuth = "@" + file }))
            {
                var url = $"{Upstream.HttpUrl}/echo/htpasswd";
                var right = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "alice:pw", url);
                var second = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "bob:other", url);
                var wrong = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--proxy-user", "alice:other", "-o", "/dev/null", "-w", "%{http_code}", url);

                Assert.StartsWith("GET /echo/htpasswd", right.Stdout, StringComparison.Ordinal);
                Assert.StartsWith("GET /echo/htpasswd", second.Stdout, StringComparison.Ordinal);
                Assert.Equal("407", wrong.Stdout);
            }

            File.WriteAllText(file, "bob:$2y$05$abcdefghijklmnopqrstuv\n");
            var error = Assert.Throws<FormatException>(() => ProxyAuthAddon.Parse("@" + file));
            Assert.Contains("line 1: bcrypt hashes are not supported", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("modify_headers", "", "expected /filter/subject/replacement")]
    [InlineData("modify_headers", "/onlyone", "expected 2 or 3 parts")]
    [InlineData("modify_headers", "a/b/c", "must not be a letter")]
    [InlineData("modify_headers", "/~q & (/X/1", "invalid filter")]
    [InlineData("modify_body", "//x", "the subject (between the separators) is empty")]
    [InlineData("modify_body", "/~q/x/@/no/such/file", "cannot read replacement file")]
    public void BadSpecs_QuoteTheOptionAndSayWhatIsWrong(string name, string option, string message)
    {
        var error = Assert.Throws<FormatException>(() => ModifySpec.Parse(option, name));

        Assert.Contains($"{name} '{option}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_CollectsEveryFeatureErrorAndRefusesProxyAuthInReverseMode()
    {
        var errors = new List<string>();

        var features = new FeatureOptions { ProxyAuth = "ann:s3cret", ModifyBody = ["/~q/(/x"], StickyCookie = "~q & (" };
        ProxyPipeline.Compose(new ProxyConfiguration { Proxy = new ProxyOptions { Mode = ProxyMode.Reverse("http://x") }, Features = features }, new PipelineParts(), errors);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("proxyauth 'ann:***': proxy authentication is not possible in reverse mode", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("s3cret", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("invalid regex", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("stickycookie '~q & ('", StringComparison.Ordinal));
    }

    // The fixture's typed property skips the option registry, so the addon's own parse checks the name too.
    [Fact]
    public void Compose_ModifyHeadersWithANameThatIsNoToken_IsAnError()
    {
        var errors = new List<string>();

        var features = new FeatureOptions { ModifyHeaders = ["/~q/bad name/1"] };
        ProxyPipeline.Compose(new ProxyConfiguration { Features = features }, new PipelineParts(), errors);

        Assert.Equal("modify_headers '/~q/bad name/1': header name \"bad name\" has a space at offset 3; expected a token (RFC 9110 §5.6.2)", Assert.Single(errors));
    }

    [Fact]
    public void Compose_TypedHeaderNamesThatAreNoTokens_AreErrorsAsOnTheOptionSurfaces()
    {
        // The fixture and embedders set these as properties, past the parsers of --set and options files.
        var errors = new List<string>();
        var configuration = new ProxyConfiguration
        {
            Redaction = new MitmFixture.Cassettes.RedactionOptions { Headers = ["Authorization", "X Api Key"] },
            ServerReplay = new MitmFixture.Replay.ServerReplayOptions { UseHeaders = ["Accept:"] },
        };

        ProxyPipeline.Compose(configuration, new PipelineParts(), errors);

        Assert.Equal(
            ["redact_headers: header name \"X Api Key\" has a space at offset 1; expected a token (RFC 9110 §5.6.2)",
             "server_replay_use_headers: header name \"Accept:\" has ':' (U+003A) at offset 6; expected a token (RFC 9110 §5.6.2)"],
            errors);
    }

    [Theory]
    [InlineData("s3cret")]
    [InlineData("")]
    public void ProxyAuth_WithoutAColon_ErrorDoesNotRepeatTheValue(string option)
    {
        var error = Assert.Throws<FormatException>(() => ProxyAuthAddon.Parse(option));
        Assert.Contains("expected user:pass", error.Message, StringComparison.Ordinal);
        if (option.Length > 0)
        {
            Assert.DoesNotContain(option, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("ann:s3cret", "ann:***")]
    [InlineData("any", "any")]
    [InlineData("@/etc/htpasswd", "@/etc/htpasswd")]
    [InlineData("s3cret", "***")]
    public void ProxyAuth_Describe_HidesThePassword(string option, string shown) =>
        Assert.Equal(shown, ProxyAuthAddon.Describe(option));
}
