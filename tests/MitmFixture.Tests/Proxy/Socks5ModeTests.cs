using System.Net;
using System.Net.Sockets;
using MitmFixture.Addons;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary><c>--mode socks5</c> with real clients: curl, HttpClient, and raw bytes for what no client sends.</summary>
public sealed class Socks5ModeTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    private static Func<ProxyOptions, ProxyOptions> Socks5(params ProxyAddon[] addons) =>
        o => o with { Mode = ProxyMode.Socks5, Addons = addons };

    [Fact]
    public async Task Curl_Socks5Hostname_TlsIsInterceptedWithTheSniName()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, Socks5());

        var result = await Curl.RunAsync("--socks5-hostname", $"127.0.0.1:{harness.Proxy.Port}", "--cacert", harness.WriteCaFile(), $"{Upstream.HttpsUrl}/echo/s5h");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("GET /echo/s5h", result.Stdout, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal(("https", "localhost", Upstream.HttpsPort), (flow.Request.Scheme, flow.Request.Host, flow.Request.Port));
        Assert.True(flow.Client.TlsEstablished);
        Assert.Equal("localhost", flow.Client.Sni);
        Assert.Equal(200, flow.Response?.StatusCode);
    }

    [Fact]
    public async Task Curl_Socks5WithIpAddress_PlainHttpIsAFlow()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, Socks5());

        var result = await Curl.RunAsync("--socks5", $"127.0.0.1:{harness.Proxy.Port}", $"{Upstream.HttpUrl}/echo/s5");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("GET /echo/s5", result.Stdout, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal($"http://127.0.0.1:{Upstream.HttpPort}/echo/s5", flow.Request.Url);
    }

    [Fact]
    public async Task HttpClient_WithSocks5WebProxy_GoesThroughTheProxy()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, Socks5());
        Assert.Equal("socks5", harness.Proxy.Url.Scheme);
        var client = harness.CreateClient(); // WebProxy(harness.Proxy.Url): socks5://127.0.0.1:port/

        var text = await client.GetStringAsync($"{Upstream.HttpsUrl}/echo/hc", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/hc", text, StringComparison.Ordinal);
        Assert.Equal("/echo/hc", Assert.Single(harness.Proxy.Flows.Snapshot()).Request.Path);
    }

    [Fact]
    public async Task Replay_OfflineThroughSocks5_AnswersWithoutAnyServer()
    {
        var request = HttpRequest.Create("GET", "https://offline.example/item");
        var response = HttpResponse.Create(200, "recorded\n");
        var replay = new ServerReplayAddon(new ReplayStore([new Flow(request) { Response = response }], new ServerReplayOptions { KillExtra = true }));
        await using var harness = await ProxyHarness.StartAsync(null, Socks5(replay));

        var result = await Curl.RunAsync("--proxy", $"socks5h://127.0.0.1:{harness.Proxy.Port}", "--cacert", harness.WriteCaFile(), "https://offline.example/item");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal("recorded\n", result.Stdout);
    }

    [Fact]
    public async Task ProxyAuth_Rfc1929_RightCredentialsPass_WrongOnesAreRefused()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, Socks5(ProxyAuthAddon.Parse("alice:s3cret")));

        var good = await Curl.RunAsync("--proxy", $"socks5h://alice:s3cret@127.0.0.1:{harness.Proxy.Port}", $"{Upstream.HttpUrl}/echo/auth");
        var bad = await Curl.RunAsync("--proxy", $"socks5h://alice:wrong@127.0.0.1:{harness.Proxy.Port}", $"{Upstream.HttpUrl}/echo/auth");
        var none = await Curl.RunAsync("--proxy", $"socks5h://127.0.0.1:{harness.Proxy.Port}", $"{Upstream.HttpUrl}/echo/auth");

        Assert.True(good.ExitCode == 0, good.Stderr);
        Assert.StartsWith("GET /echo/auth", good.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Proxy-Authorization", good.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(97, bad.ExitCode); // CURLE_PROXY: the proxy refused the login
        Assert.NotEqual(0, none.ExitCode);
        Assert.Single(harness.Proxy.Flows.Snapshot());
    }

    [Theory]
    [InlineData("", "04 01 00 50 7f 00 00 01 00", "05 ff")] // SOCKS4
    [InlineData("", "47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a 0d 0a", "05 ff")] // HTTP sent to a SOCKS5 port
    [InlineData("", "05 00", "05 ff")] // no methods
    [InlineData("", "05 01 02", "05 ff")] // only username/password, which is not asked for
    [InlineData("05 01 00", "05 02 00 01 7f 00 00 01 00 50", "05 00 05 07 00 01 00 00 00 00 00 00")] // BIND
    [InlineData("05 01 00", "05 01 00 05 7f 00 00 01 00 50", "05 00 05 08 00 01 00 00 00 00 00 00")] // unknown address type
    [InlineData("05 01 00", "05 01 00 03 00 00 50", "05 00 05 01 00 01 00 00 00 00 00 00")] // empty domain name
    [InlineData("05 01 00", "05 01 00 01 7f 00 00 01 00 00", "05 00 05 01 00 01 00 00 00 00 00 00")] // port 0
    public async Task RawClient_MalformedHandshake_GetsTheProtocolsErrorAndAClosedConnection(string greeting, string rest, string expected)
    {
        await using var harness = await ProxyHarness.StartAsync(null, Socks5());
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.Stream.WriteAsync(Convert.FromHexString((greeting + rest).Replace(" ", "", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        var (answer, closed) = await ReadToEndAsync(client.Stream);

        Assert.Equal(expected, Hex(answer));
        Assert.True(closed, "the proxy should close the connection");
        Assert.Empty(harness.Proxy.Flows.Snapshot());
    }

    [Theory]
    [InlineData("05 01 00", "05 ff")] // proxyauth set, the client offers no authentication only
    [InlineData("05 01 02 01 05 61 6c 69 63 65 01 78", "05 02 01 01")] // alice / x
    public async Task RawClient_ProxyAuthHandshakeRefused_GetsTheProtocolsError(string bytes, string expected)
    {
        await using var harness = await ProxyHarness.StartAsync(null, Socks5(ProxyAuthAddon.Parse("alice:s3cret")));
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);

        await client.Stream.WriteAsync(Convert.FromHexString(bytes.Replace(" ", "", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        var (answer, closed) = await ReadToEndAsync(client.Stream);

        Assert.Equal(expected, Hex(answer));
        Assert.True(closed);
    }

    [Fact]
    public async Task RawTcp_NeitherTlsNorHttp_IsRelayedUntouched()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptTcpClientAsync(TestContext.Current.CancellationToken);
            var stream = accepted.GetStream();
            var buffer = new byte[3];
            await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
            await stream.WriteAsync(buffer.Select(b => (byte)(b + 1)).ToArray(), TestContext.Current.CancellationToken);
        }, TestContext.Current.CancellationToken);
        await using var harness = await ProxyHarness.StartAsync(null, Socks5());
        await using var client = await RawClient.ConnectAsync(harness.Proxy.Port);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        byte[] handshakeAndData = [0x05, 0x01, 0x00, 0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, (byte)(port >> 8), (byte)port, 0x00, 0x01, 0x02];
        await client.Stream.WriteAsync(handshakeAndData, TestContext.Current.CancellationToken);
        var (answer, _) = await ReadToEndAsync(client.Stream);
        await server;

        Assert.Equal("05 00 05 00 00 01 00 00 00 00 00 00 01 02 03", Hex(answer));
        Assert.Empty(harness.Proxy.Flows.Snapshot());
    }

    private static string Hex(byte[] bytes) => string.Join(' ', bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Everything the proxy sends, and whether it then closed (false when it only went quiet for 10 s).</summary>
    private static async Task<(byte[] Bytes, bool Closed)> ReadToEndAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var all = new MemoryStream();
        var buffer = new byte[1024];
        try
        {
            while (true)
            {
                var n = await stream.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    return (all.ToArray(), true);
                }

                all.Write(buffer, 0, n);
            }
        }
        catch (OperationCanceledException)
        {
            return (all.ToArray(), false);
        }
        catch (IOException)
        {
            return (all.ToArray(), true); // reset: closed as well
        }
    }
}
