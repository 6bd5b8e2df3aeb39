using System.Net;
using System.Text.Json;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>HTTP/2 flows recorded from a real Kestrel h2 server, then replayed to h2 clients with that server stopped.</summary>
public sealed class Http2RecordReplayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-h2-replay-").FullName;

    private string CassettePath => Path.Combine(_directory, "cassette.json");

    private static HttpRequestMessage H2(HttpMethod method, string url, string? body = null) => new(method, url)
    {
        Version = HttpVersion.Version20,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Content = body is null ? null : new StringContent(body),
    };

    [Fact]
    public async Task RecordThenReplayOffline_H2Client_GetsSameBodiesAndTrailersOverH2()
    {
        var cancel = TestContext.Current.CancellationToken;
        var upstream = await H2Upstream.StartAsync();
        var url = upstream.H2Url;
        var recorded = new List<byte[]>();
        await RecordAsync(upstream, async client =>
        {
            foreach (var request in Requests(url))
            {
                using var response = await client.SendAsync(request, cancel);
                Assert.Equal(HttpVersion.Version20, response.Version);
                recorded.Add(await response.Content.ReadAsByteArrayAsync(cancel));
            }
        });
        await upstream.DisposeAsync();

        var json = File.ReadAllText(CassettePath);
        using (var document = JsonDocument.Parse(json))
        {
            var flows = document.RootElement.GetProperty("flows");
            Assert.Equal(4, flows.GetArrayLength());
            Assert.All(flows.EnumerateArray(), f => Assert.Equal("HTTP/2.0", f.GetProperty("request").GetProperty("http_version").GetString()));
            Assert.All(flows.EnumerateArray(), f => Assert.Equal("HTTP/2.0", f.GetProperty("response").GetProperty("http_version").GetString()));
            Assert.Contains("x-checksum: abc123", json, StringComparison.Ordinal);
        }

        await using var replay = await ReplayHarnessAsync();
        var replayClient = replay.CreateClient();
        var i = 0;
        foreach (var request in Requests(url))
        {
            using var response = await replayClient.SendAsync(request, cancel);
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.Equal(recorded[i++], await response.Content.ReadAsByteArrayAsync(cancel));
            if (request.RequestUri!.AbsolutePath == "/trailers")
            {
                Assert.Equal("abc123", Assert.Single(response.TrailingHeaders.GetValues("x-checksum")));
            }
        }

        var replayed = replay.Proxy.Flows.Snapshot();
        Assert.Equal(4, replayed.Count);
        Assert.All(replayed, f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.All(replayed, f => Assert.Null(f.Server.TimestampTcpSetup)); // no server was dialled
        Assert.All(replayed, f => Assert.Equal("HTTP/2.0", f.Request.HttpVersion));
    }

    [Fact]
    public async Task RecordedH2Flow_ReplayedToAnHttp11Client_IsAnsweredAsHttp11()
    {
        var cancel = TestContext.Current.CancellationToken;
        var upstream = await H2Upstream.StartAsync();
        var url = $"{upstream.H2Url}/echo/downgrade";
        await RecordAsync(upstream, async client => (await client.SendAsync(H2(HttpMethod.Get, url), cancel)).Dispose());
        await upstream.DisposeAsync();

        await using var replay = await ReplayHarnessAsync();
        using var response = await replay.CreateClient().GetAsync(url, cancel); // HttpClient's default: HTTP/1.1

        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("HTTP/2 GET /echo/downgrade", await response.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Har_H2Flow_IsWrittenAsH2AndReadBackAsHttp2()
    {
        var cancel = TestContext.Current.CancellationToken;
        var upstream = await H2Upstream.StartAsync();
        await RecordAsync(upstream, async client => (await client.SendAsync(H2(HttpMethod.Get, $"{upstream.H2Url}/echo/har"), cancel)).Dispose());
        await upstream.DisposeAsync();
        var har = Path.Combine(_directory, "out.har");

        Har.Export(har, Cassette.Load(CassettePath).Flows);
        using var document = JsonDocument.Parse(File.ReadAllText(har));
        var entry = document.RootElement.GetProperty("log").GetProperty("entries")[0];

        Assert.Equal("h2", entry.GetProperty("request").GetProperty("httpVersion").GetString());
        Assert.Equal("h2", entry.GetProperty("response").GetProperty("httpVersion").GetString());
        Assert.Equal("HTTP/2.0", Assert.Single(Har.Import(har)).Response!.HttpVersion);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Nghttp_ReverseModeOfflineReplay_AnswersOverH2WithTrailers()
    {
        var cancel = TestContext.Current.CancellationToken;
        var upstream = await H2Upstream.StartAsync();
        var target = upstream.H2Url;
        await using (var recorder = await RecordingHarnessAsync(upstream, o => o with { Mode = ProxyMode.Reverse(target) }))
        {
            var result = await Nghttp.RunAsync($"https://127.0.0.1:{recorder.Proxy.Port}/trailers", cancel);
            Assert.True(result.ExitCode == 0, result.Stderr);
        }

        await _writer!.DisposeAsync();
        await upstream.DisposeAsync();

        await using var replay = await ReplayHarnessAsync(o => o with { Mode = ProxyMode.Reverse(target) });
        var replayed = await Nghttp.RunAsync($"https://127.0.0.1:{replay.Proxy.Port}/trailers", cancel);

        Assert.True(replayed.ExitCode == 0, replayed.Stderr);
        Assert.Contains("body before trailers", replayed.Stdout, StringComparison.Ordinal);
        Assert.Contains("x-checksum: abc123", replayed.Stdout, StringComparison.Ordinal); // -v prints the trailing HEADERS frame
        Assert.Equal(ReplayKind.Response, Assert.Single(replay.Proxy.Flows.Snapshot()).Replay);
    }

    private static IEnumerable<HttpRequestMessage> Requests(string url) =>
    [
        H2(HttpMethod.Get, $"{url}/echo/a?x=1"),
        H2(HttpMethod.Post, $"{url}/echo/post", "posted over h2"),
        H2(HttpMethod.Get, $"{url}/trailers"),
        H2(HttpMethod.Get, $"{url}/bytes/100000"),
    ];

    private CassetteWriter? _writer;

    private async Task<ProxyHarness> RecordingHarnessAsync(H2Upstream upstream, Func<ProxyOptions, ProxyOptions>? configure = null)
    {
        _writer = CassetteWriter.Create(CassettePath);
        var writer = _writer;
        return await ProxyHarness.StartAsync(null, o => (configure?.Invoke(o) ?? o) with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] });
    }

    private async Task RecordAsync(H2Upstream upstream, Func<HttpClient, Task> traffic)
    {
        await using (var harness = await RecordingHarnessAsync(upstream))
        {
            await traffic(harness.CreateClient());
        }

        await _writer!.DisposeAsync();
    }

    private async Task<ProxyHarness> ReplayHarnessAsync(Func<ProxyOptions, ProxyOptions>? configure = null)
    {
        var cassette = Cassette.Load(CassettePath);
        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        return await ProxyHarness.StartAsync(null, o => (configure?.Invoke(o) ?? o) with { Addons = [addon] });
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
