using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// A server that sends more than one response per request: the surplus is never served or recorded
/// as the answer to the next request on the client's kept-alive connection (ClientSession.Surplus.cs).
/// </summary>
public sealed class ServerSurplusTests : IDisposable
{
    private const string Smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED";
    private const string Second = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nsecond";

    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-surplus-").FullName;

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // name, first method, first answer (with its surplus), the body the client must get for it
        { "second unsolicited response", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" + Smuggled, "first" },
        { "body longer than Content-Length", "GET", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst, and then some more bytes", "first" },
        { "304 with a body", "GET", "HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n" + Smuggled, "" },
        { "204 with a body", "GET", "HTTP/1.1 204 No Content\r\n\r\n" + Smuggled, "" },
        { "HEAD answered with a body", "HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n" + Smuggled, "" },
        { "chunked body then a response", "GET", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n0\r\n\r\n" + Smuggled, "first" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SurplusAfterResponse_NextRequestGetsFreshConnectionAndItsOwnAnswer(string name, string method, string first, string firstBody)
    {
        _ = name;
        await using var server = new ScriptedRawServer(line => new(line.Contains("/first", StringComparison.Ordinal) ? first : Second));

        var (bodies, flows, cassette) = await TwoRequestsOnOneClientConnectionAsync(server, method);

        Assert.Equal([firstBody, "second"], bodies);
        Assert.Equal(2, server.Connections);
        Assert.Equal(2, server.Requests.Last().Connection); // the second request went out on a new server connection
        Assert.Contains("unexpected byte", (string)flows[0].Metadata[ClientSession.ServerSurplusMetadataKey]!, StringComparison.Ordinal);
        Assert.False(flows[1].Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey));
        AssertCassetteHolds(cassette, firstBody);
    }

    [Fact]
    public async Task SurplusArrivingWhileIdle_IsDiscardedBeforeTheConnectionIsReused()
    {
        // The response is complete and clean; the surplus comes 100 ms later, while nobody asked anything.
        await using var server = new ScriptedRawServer(line => line.Contains("/first", StringComparison.Ordinal)
            ? new("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", Smuggled, TimeSpan.FromMilliseconds(100))
            : new(Second));

        var (bodies, flows, cassette) = await TwoRequestsOnOneClientConnectionAsync(server, "GET", pause: TimeSpan.FromMilliseconds(600));

        Assert.Equal(["first", "second"], bodies);
        Assert.Equal(2, server.Connections);
        Assert.Contains("while the connection was idle", (string)flows[1].Metadata[ClientSession.ServerSurplusMetadataKey]!, StringComparison.Ordinal);
        Assert.Contains("SMUGGLED", (string)flows[1].Metadata[ClientSession.ServerSurplusMetadataKey]!, StringComparison.Ordinal);
        AssertCassetteHolds(cassette, "first");
    }

    [Fact]
    public async Task SurplusOverTls_BothInOneRecordAndLater_NextRequestGetsItsOwnAnswer()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var requests = 0;
        await using var server = new ScriptedRawServer(
            line => line.Contains("/first", StringComparison.Ordinal)
                ? Interlocked.Increment(ref requests) == 1
                    ? new("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" + Smuggled) // surplus in the same TLS record
                    : new("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", Smuggled, TimeSpan.FromMilliseconds(100)) // and in a later one
                : new(Second),
            certificate);
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { SslInsecure = true });
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url),
            MaxConnectionsPerServer = 1,
            SslOptions = { RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback() },
        });
        var url = $"https://127.0.0.1:{server.Port}";

        var bodies = new List<string>();
        foreach (var path in (string[])["/first", "/second", "/first", "/second"])
        {
            bodies.Add(await client.GetStringAsync(url + path, TestContext.Current.CancellationToken));
            await Task.Delay(path == "/first" ? 400 : 0, TestContext.Current.CancellationToken);
        }

        Assert.Equal(["first", "second", "first", "second"], bodies);
        Assert.Equal(2, harness.Proxy.Flows.Snapshot().Count(f => f.Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey)));
    }

    [Fact]
    public async Task StrayCrlfAfterBody_ConnectionDroppedWithoutWarning()
    {
        await using var server = new ScriptedRawServer(line => new(line.Contains("/first", StringComparison.Ordinal) ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst\r\n" : Second));

        var (bodies, flows, _) = await TwoRequestsOnOneClientConnectionAsync(server, "GET");

        Assert.Equal(["first", "second"], bodies);
        Assert.Equal(2, server.Connections);
        Assert.All(flows, f => Assert.False(f.Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey)));
    }

    [Fact]
    public async Task CleanServer_KeepsOneConnectionForBothRequests()
    {
        await using var server = new ScriptedRawServer(line => new(line.Contains("/first", StringComparison.Ordinal) ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" : Second));

        var (bodies, flows, _) = await TwoRequestsOnOneClientConnectionAsync(server, "GET", pause: TimeSpan.FromMilliseconds(200));

        Assert.Equal(["first", "second"], bodies);
        Assert.Equal(1, server.Connections); // the watch while idle does not cost keep-alive
        Assert.All(flows, f => Assert.False(f.Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey)));
    }

    [Fact]
    public async Task ServerClosingWhileIdle_NextRequestGetsFreshConnection()
    {
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(null);
        using var client = CreateSingleConnectionClient(harness);

        Assert.Equal("ok", await client.GetStringAsync($"{server.Url}/a", TestContext.Current.CancellationToken));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.Equal("ok", await client.GetStringAsync($"{server.Url}/b", TestContext.Current.CancellationToken));

        Assert.All(harness.Proxy.Flows.Snapshot(), f => Assert.Null(f.Error));
        Assert.All(harness.Proxy.Flows.Snapshot(), f => Assert.False(f.Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey))); // a close is not a surplus
    }

    private async Task<(List<string> Bodies, IReadOnlyList<Flow> Flows, Cassette Cassette)> TwoRequestsOnOneClientConnectionAsync(ScriptedRawServer server, string firstMethod, TimeSpan pause = default)
    {
        var path = Path.Combine(_directory, "surplus.json");
        var writer = CassetteWriter.Create(path);
        var bodies = new List<string>();
        IReadOnlyList<Flow> flows;
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            using var client = CreateSingleConnectionClient(harness);
            var url = $"http://127.0.0.1:{server.Port}";
            using (var first = await client.SendAsync(new HttpRequestMessage(new HttpMethod(firstMethod), $"{url}/first"), TestContext.Current.CancellationToken))
            {
                bodies.Add(await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }

            await Task.Delay(pause, TestContext.Current.CancellationToken);
            using (var second = await client.GetAsync($"{url}/second", TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, second.StatusCode);
                bodies.Add(await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }

            flows = harness.Proxy.Flows.Snapshot();
            Assert.Equal(2, flows.Count);
            Assert.Same(flows[0].Client, flows[1].Client); // both requests came on one client connection
        }

        await writer.DisposeAsync();
        return (bodies, flows, Cassette.Load(path));
    }

    private static void AssertCassetteHolds(Cassette cassette, string firstBody)
    {
        Assert.Equal(2, cassette.Flows.Count);
        Assert.EndsWith("/first", cassette.Flows[0].Request.Url, StringComparison.Ordinal);
        Assert.Equal(firstBody, System.Text.Encoding.UTF8.GetString(cassette.Flows[0].Response!.Body ?? []));
        Assert.EndsWith("/second", cassette.Flows[1].Request.Url, StringComparison.Ordinal);
        Assert.Equal("second", System.Text.Encoding.UTF8.GetString(cassette.Flows[1].Response!.Body!));
        Assert.DoesNotContain(cassette.Flows, f => System.Text.Encoding.UTF8.GetString(f.Response?.Body ?? []).Contains("SMUGGLED", StringComparison.Ordinal));
    }

    /// <summary>The surplus is kept in the cassette (mitmproxy keeps flow metadata in its dumps), for a reviewer to see, and replay serves the answers as before.</summary>
    [Fact]
    public async Task SurplusNote_IsWrittenToTheCassette_AndReplayServesTheAnswersAsRecorded()
    {
        await using var server = new ScriptedRawServer(line => new(line.Contains("/first", StringComparison.Ordinal) ? "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" + Smuggled : Second));
        var (_, _, cassette) = await TwoRequestsOnOneClientConnectionAsync(server, "GET");

        var json = await File.ReadAllTextAsync(Path.Combine(_directory, "surplus.json"), TestContext.Current.CancellationToken);
        Assert.Contains("\"metadata\": {\n        \"server_surplus\": \"the server sent 46 unexpected bytes after the response; the connection was discarded: 'HTTP/1.1 200 OK", json, StringComparison.Ordinal);
        Assert.Contains("unexpected byte", (string)cassette.Flows[0].Metadata[ClientSession.ServerSurplusMetadataKey]!, StringComparison.Ordinal);
        Assert.False(cassette.Flows[1].Metadata.ContainsKey(ClientSession.ServerSurplusMetadataKey));

        var requests = server.Requests.Count;
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }))] });
        using var client = CreateSingleConnectionClient(replay);
        var url = $"http://127.0.0.1:{server.Port}";
        Assert.Equal("first", await client.GetStringAsync($"{url}/first", TestContext.Current.CancellationToken));
        Assert.Equal("second", await client.GetStringAsync($"{url}/second", TestContext.Current.CancellationToken));
        Assert.Equal(requests, server.Requests.Count); // served from the cassette
    }

    /// <summary>One connection to the proxy, reused: both requests travel on it.</summary>
    private static HttpClient CreateSingleConnectionClient(ProxyHarness harness) =>
        new(new SocketsHttpHandler { Proxy = new WebProxy(harness.Proxy.Url), UseProxy = true, MaxConnectionsPerServer = 1, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = TimeSpan.FromSeconds(20),
        };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
