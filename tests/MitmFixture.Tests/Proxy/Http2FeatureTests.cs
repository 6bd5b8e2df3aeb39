using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// Feature addons and recording on HTTP/2 flows, as on HTTP/1.1 ones (issue 21: "every addon work on
/// HTTP/2 flows exactly as on HTTP/1.1 flows"): h2-only HttpClient through the proxy to a real Kestrel h2 server.
/// </summary>
public sealed class Http2FeatureTests : H2UpstreamTests
{
    private static HttpRequestMessage H2(string url) => new(HttpMethod.Get, url) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    private async Task<ProxyHarness> StartAsync(FeatureOptions features, IReadOnlyList<ProxyAddon>? extra = null)
    {
        var errors = new List<string>();
        var addons = ProxyPipeline.FeaturesFor(new ProxyConfiguration { Features = features }, errors).Build(errors);
        Assert.Empty(errors);
        return await ProxyHarness.StartAsync(null, o => o with { Addons = [.. addons, .. extra ?? []], UpstreamTrustedCertificates = [Upstream.Authority] });
    }

    [Fact]
    public async Task ModifyHeaders_MixedCaseSpec_AppliesToLowercaseH2Fields_AndTheAddedResponseFieldIsValidH2()
    {
        await using var harness = await StartAsync(new FeatureOptions { ModifyHeaders = ["/~q/X-Api-Key/injected", "|~s|X-From-Proxy|yes"] });
        using var request = H2($"{Upstream.H2Url}/headers");
        request.Headers.Add("x-api-key", "original");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Contains("x-api-key: injected\n", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("original", text, StringComparison.Ordinal);
        Assert.Equal("yes", Assert.Single(response.Headers.GetValues("x-from-proxy")));
    }

    [Fact]
    public async Task Anticomp_AsksForIdentity_OverH2()
    {
        await using var harness = await StartAsync(new FeatureOptions { Anticomp = true });
        using var request = H2($"{Upstream.H2Url}/headers");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Contains("accept-encoding: identity\n", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ModifyBody_RewritesAnH2ResponseBody()
    {
        await using var harness = await StartAsync(new FeatureOptions { ModifyBody = ["/~s/POST/rewritten"] });
        using var request = H2($"{Upstream.H2Url}/echo/body");
        request.Method = HttpMethod.Post;
        request.Content = new StringContent("payload");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);

        Assert.StartsWith("HTTP/2 rewritten /echo/body\n", text, StringComparison.Ordinal);
        Assert.Equal(text, Assert.Single(harness.Proxy.Flows.Snapshot()).Response!.Text);
    }

    [Fact]
    public async Task Recording_H2Credentials_NeverReachTheCassette()
    {
        var directory = Directory.CreateTempSubdirectory("mitmfixture-h2-redact-").FullName;
        try
        {
            var path = Path.Combine(directory, "cassette.json");
            var writer = CassetteWriter.Create(path, Redactor.Default);
            await using (var harness = await StartAsync(new FeatureOptions(), [new RecordingAddon(writer)]))
            {
                using var request = H2($"{Upstream.H2Url}/headers");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "client-secret-token");
                request.Headers.Add("cookie", "sid=client-secret-cookie");
                using var response = await harness.CreateClient().SendAsync(request, Cancel);
                Assert.Contains("client-secret-token", await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal); // the server got it
            }

            await writer.DisposeAsync();
            var json = await File.ReadAllTextAsync(path, Cancel);

            Assert.Contains("\"HTTP/2.0\"", json, StringComparison.Ordinal);
            Assert.DoesNotContain("client-secret-token", json, StringComparison.Ordinal); // in the header and in the echoed body
            Assert.DoesNotContain("client-secret-cookie", json, StringComparison.Ordinal);
            Assert.DoesNotContain("server-secret-cookie", json, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ResponseHeaderWithLatin1Value_ReachesTheH2ClientAsItWouldAnHttp11One()
    {
        // An HTTP/1.1 server may send obs-text (RFC 9110 §5.5): the HTTP/1.1 side passes those bytes on,
        // so an h2 client must get them too, not a reset stream.
        await using var harness = await StartAsync(new FeatureOptions(), [new MitmFixture.Xunit.FlowHooks { OnResponse = f => f.Response!.Headers.Set("X-Name", "caf\u00e9") }]);
        using var request = H2($"{Upstream.H2Url}/headers");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("caf\u00e9", Assert.Single(response.Headers.GetValues("x-name"))); // HttpClient reads a field's bytes as Latin-1
        Assert.Null(Assert.Single(harness.Proxy.Flows.Snapshot()).Error);
    }

    [Fact]
    public async Task ResponseHeaderPastLatin1_IsA502SayingWhy_NotAResetStream()
    {
        // A character no HTTP field can carry (past U+00FF), put there by an addon or a cassette: refused
        // as the HTTP/1.1 side refuses it, with a 502 and the flow's error, before any byte of the head is sent.
        await using var harness = await StartAsync(new FeatureOptions(), [new MitmFixture.Xunit.FlowHooks { OnResponse = f => f.Response!.Headers.Set("X-Name", "\u0100") }]);
        using var request = H2($"{Upstream.H2Url}/headers");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = Assert.Single(harness.Proxy.Flows.Snapshot()).Error;
        Assert.NotNull(error);
        Assert.Contains("X-Name", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Message, await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestHeaderPastLatin1_IsA502SayingWhy_AndNeverSent()
    {
        await using var harness = await StartAsync(new FeatureOptions(), [new MitmFixture.Xunit.FlowHooks { OnRequest = f => f.Request.Headers.Set("X-Name", "\u0100") }]);
        using var request = H2($"{Upstream.H2Url}/headers");

        using var response = await harness.CreateClient().SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("refused to send the header 'X-Name'", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }
}
