using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// TLS session resumption on both sides of the proxy (issue 20): a client that comes back with the
/// ticket or session id it was given skips the full handshake, and so does the proxy towards a
/// server it connected to before. openssl is the peer because it says whether a session was reused.
/// </summary>
public sealed class TlsResumptionTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const string Request = "GET /echo/resume HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    [Theory]
    [InlineData("-tls1_3")]
    [InlineData("-tls1_2")]
    public async Task ClientSide_SecondConnectionWithTheSavedSession_Resumes(string version)
    {
        await using var harness = await ProxyHarness.StartAsync(fixture.Upstream, o => o with { Mode = ProxyMode.Reverse(fixture.Upstream.HttpUrl) });
        var session = Path.Combine(Path.GetTempPath(), $"mitmfixture-session-{Guid.NewGuid():N}.pem");
        try
        {
            string[] connect = ["-connect", $"127.0.0.1:{harness.Proxy.Port}", "-servername", "localhost", version];

            var first = await OpenSsl.ClientAsync(Request, [.. connect, "-sess_out", session]);
            var second = await OpenSsl.ClientAsync(Request, [.. connect, "-sess_in", session]);

            Assert.Contains("GET /echo/resume", first, StringComparison.Ordinal);
            Assert.Contains("\nNew, ", first, StringComparison.Ordinal);
            Assert.Contains("GET /echo/resume", second, StringComparison.Ordinal);
            Assert.Contains("\nReused, ", second, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(session);
        }
    }

    [Fact]
    public async Task ServerSide_SecondConnectionToTheSameHost_ResumesTheSession()
    {
        using var server = await OpenSsl.StartServerAsync();
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Mode = ProxyMode.Reverse($"https://localhost:{server.Port}"), SslInsecure = true });

        // A new client, so a new client connection and with it a new server connection, each time.
        var first = await harness.CreateClient(useProxy: false).GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/", TestContext.Current.CancellationToken);
        var second = await harness.CreateClient(useProxy: false).GetStringAsync($"http://127.0.0.1:{harness.Proxy.Port}/", TestContext.Current.CancellationToken);

        Assert.Contains("\nNew, ", first, StringComparison.Ordinal); // s_server -www describes the connection it served
        Assert.Contains("\nReused, ", second, StringComparison.Ordinal);
        Assert.Equal(2, harness.Proxy.Flows.Snapshot().Select(f => f.Server.TimestampTcpSetup).Distinct().Count());
    }
}
