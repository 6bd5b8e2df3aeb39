using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>A head from a cassette is held to the limits a live one is: a file cannot make the proxy send a head of megabytes.</summary>
public sealed class RecordedHeadLimitTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task ServerReplay_ARecordedResponseOverTheHeaderCount_Is502NamingTheLimit()
    {
        var recorded = new Flow(HttpRequest.Create("GET", "http://api.test/many")) { Response = HttpResponse.Create(200, "x") };
        for (var i = 0; i < 150; i++)
        {
            recorded.Response.Headers.Add($"X-{i}", "v");
        }

        var replay = new ServerReplayAddon(new ReplayStore([recorded], new ServerReplayOptions()), null, Redactor.Default);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [replay] });

        using var response = await harness.CreateClient().GetAsync("http://api.test/many", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("151 header fields, over the limit of 100 (HttpLimits.MaxHeaderCount)", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // An HTTP/2 client is answered through Kestrel, which sets no such limit on a response: the proxy does.
    [Fact]
    public async Task ServerReplay_ToAnHttp2Client_ARecordedResponseOverTheHeaderCount_Is502()
    {
        var recorded = new Flow(HttpRequest.Create("GET", "https://api.test/many")) { Response = HttpResponse.Create(200, "x") };
        for (var i = 0; i < 150; i++)
        {
            recorded.Response.Headers.Add($"x-{i}", "v");
        }

        var replay = new ServerReplayAddon(new ReplayStore([recorded], new ServerReplayOptions()), null, Redactor.Default);
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.test/many") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await harness.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("(HttpLimits.MaxHeaderCount)", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // The status line is part of the head: a recorded reason phrase of 40,000 characters went out whole,
    // past the 32 KiB a live server's head is held to, because only the fields were counted.
    [Fact]
    public async Task ServerReplay_ARecordedReasonPhraseOverTheHeadSize_Is502NamingTheLimit()
    {
        var recorded = new Flow(HttpRequest.Create("GET", "http://api.test/reason")) { Response = HttpResponse.Create(200, "x") };
        recorded.Response.Reason = new string('A', 40_000);

        var replay = new ServerReplayAddon(new ReplayStore([recorded], new ServerReplayOptions()), null, Redactor.Default);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [replay] });

        using var response = await harness.CreateClient().GetAsync("http://api.test/reason", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("its head is about 400", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // Trailers arriving live are held to both limits by the chunked decoder; recorded ones went out unchecked.
    [Fact]
    public async Task ServerReplay_RecordedTrailersOverTheFieldCount_Is502NamingTheLimit()
    {
        var recorded = new Flow(HttpRequest.Create("GET", "http://api.test/trailers")) { Response = HttpResponse.Create(200, "x") };
        recorded.Response.Trailers = new HttpHeaders();
        for (var i = 0; i < 150; i++)
        {
            recorded.Response.Trailers.Add($"X-{i}", "v");
        }

        var replay = new ServerReplayAddon(new ReplayStore([recorded], new ServerReplayOptions()), null, Redactor.Default);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [replay] });

        using var response = await harness.CreateClient().GetAsync("http://api.test/trailers", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("it has 150 trailer fields, over the limit of 100 (HttpLimits.MaxHeaderCount)", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientReplay_RecordedTrailersOverTheHeadSize_AreNotSent()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var before = Upstream.Requests;
        var request = HttpRequest.Create("POST", $"{Upstream.HttpUrl}/echo/trailers", "body"u8.ToArray());
        request.Trailers = new HttpHeaders(("X-Big", new string('a', 2_000_000)));

        var flow = await harness.Proxy.ReplayAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(flow.Response);
        Assert.Contains("its trailers are about 2000009 bytes, over the limit of 32768 (HttpLimits.MaxHeadBytes)", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task ClientReplay_ARecordedRequestOverTheHeadSize_IsNotSent()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var before = Upstream.Requests;
        var request = HttpRequest.Create("GET", $"{Upstream.HttpUrl}/echo/big", null, ("X-Big", new string('a', 2_000_000)));

        var flow = await harness.Proxy.ReplayAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(flow.Response);
        Assert.Contains("over the limit of 32768 (HttpLimits.MaxHeadBytes)", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(before, Upstream.Requests);
    }
}
