using MitmFixture.Addons;
using MitmFixture.Addons.Specs;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Addons;

/// <summary>modify_body rules edited while the proxy runs, as a console's replacement grid does.</summary>
public sealed class ModifyBodyAddonTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Replace_OnARunningProxy_TakesEffectFromTheNextFlow()
    {
        var addon = new ModifyBodyAddon([]);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [addon] });
        var client = harness.CreateClient();
        var url = $"{Upstream.HttpUrl}/echo/body";

        var untouched = await PostAsync(client, url, "token=abc");
        addon.Replace([ModifySpec.Create("~q", @"token=(\w+)", @"token=<\1>", "modify_body"), ModifySpec.Parse("|~s|echo|ECHO", "modify_body")]);
        var rewritten = await PostAsync(client, url, "token=abc");
        addon.Replace([]);
        var again = await PostAsync(client, url, "token=abc");

        Assert.EndsWith("\ntoken=abc", untouched, StringComparison.Ordinal);
        Assert.StartsWith("POST /ECHO/body", rewritten, StringComparison.Ordinal);
        Assert.EndsWith("\ntoken=<abc>", rewritten, StringComparison.Ordinal);
        Assert.Equal(untouched, again);
    }

    [Fact]
    public async Task ResponsePastTheDecodingLimit_IsLeftAsTheServerSentIt_AndFiltersDoNotSeeInside()
    {
        var addon = new ModifyBodyAddon([ModifySpec.Parse("/~s/world/there", "modify_body")]);
        await using var small = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [addon], Limits = o.Limits with { MaxDecodedBodyBytes = 8 } });
        await using var normal = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [addon] });

        var kept = await GunzipAsync(small.CreateClient(), $"{Upstream.HttpUrl}/gzip");
        var changed = await GunzipAsync(normal.CreateClient(), $"{Upstream.HttpUrl}/gzip");

        Assert.Equal("{\"hello\":\"world\"}", kept); // 17 bytes decoded > 8: not decoded, not changed, not corrupted
        Assert.Equal("{\"hello\":\"there\"}", changed);
        var flow = Assert.Single(small.Proxy.Flows.Snapshot());
        Assert.Contains("decoding limit of 8", flow.Response!.DecodeProblem, StringComparison.Ordinal);
        Assert.False(MitmFixture.Filters.FlowFilter.Parse("~bs hello").Matches(flow));
        Assert.True(MitmFixture.Filters.FlowFilter.Parse("~bs there").Matches(Assert.Single(normal.Proxy.Flows.Snapshot())));
    }

    private static async Task<string> GunzipAsync(HttpClient client, string url)
    {
        var gzip = await client.GetByteArrayAsync(url, TestContext.Current.CancellationToken);
        using var stream = new System.IO.Compression.GZipStream(new MemoryStream(gzip), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Specs_AreTheRulesInForce_InOrder()
    {
        var first = ModifySpec.Parse("/~q/a/b", "modify_body");
        var second = ModifySpec.Create(null, "c", "d", "modify_body");
        var addon = new ModifyBodyAddon([first]);

        Assert.Equal([first], addon.Specs);
        addon.Replace([second, first]);
        Assert.Equal([second, first], addon.Specs);
    }

    [Fact]
    public void Replace_WithAnInvalidRegex_ThrowsAndKeepsTheRulesInForce()
    {
        var kept = ModifySpec.Parse("/a/b", "modify_body");
        var addon = new ModifyBodyAddon([kept]);

        var error = Assert.Throws<FormatException>(() => addon.Replace([ModifySpec.Parse("/~q/x/y", "modify_body"), ModifySpec.Create("~s", "(", "z", "modify_body")]));

        Assert.Contains("invalid regex '('", error.Message, StringComparison.Ordinal);
        Assert.Equal([kept], addon.Specs);
    }

    private static async Task<string> PostAsync(HttpClient client, string url, string body)
    {
        using var response = await client.PostAsync(url, new StringContent(body), TestContext.Current.CancellationToken);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }
}
