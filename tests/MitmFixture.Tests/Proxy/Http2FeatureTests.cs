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
}
