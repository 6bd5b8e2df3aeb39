using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MitmFixture.Tls;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class TlsInterceptionTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Https_ThroughProxy_IsDecryptedAndRecorded()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();

        var text = await client.GetStringAsync($"{Upstream.HttpsUrl}/echo/secure?q=1", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/secure?q=1", text, StringComparison.Ordinal);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Equal("https", flow.Request.Scheme);
        Assert.Equal("localhost", flow.Request.Host);
        Assert.True(flow.Client.TlsEstablished);
        Assert.Equal("localhost", flow.Client.Sni);
        Assert.True(flow.Server.TlsEstablished);
        Assert.Equal(text, flow.Response!.Text);
    }

    [Fact]
    public async Task Https_KeepAlive_ReusesTheServerConnection()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var client = harness.CreateClient();
        var before = Upstream.Connections;

        for (var i = 0; i < 4; i++)
        {
            await client.GetStringAsync($"{Upstream.HttpsUrl}/echo/{i}", TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, Upstream.Connections - before);
    }

    [Fact]
    public async Task Curl_HttpsWithCaFile_Works()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var ca = harness.WriteCaFile();

        var result = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), "--cacert", ca, $"{Upstream.HttpsUrl}/echo/curl-tls");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.StartsWith("GET /echo/curl-tls", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_HttpsWithoutTrustingTheCa_FailsVerification()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var result = await Curl.RunAsync("-x", harness.Proxy.Url.ToString(), $"{Upstream.HttpsUrl}/echo/x");

        Assert.Equal(60, result.ExitCode); // CURLE_PEER_FAILED_VERIFICATION: the proxy really presents its own certificate
    }

    [Fact]
    public async Task IpOnlyConnect_CertificateCopiesUpstreamNames()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var certificate = await HandshakeThroughProxyAsync(harness, $"127.0.0.1:{Upstream.HttpsPort}", sni: null);

        var names = SubjectAlternativeNames(certificate);
        Assert.Contains("upstream.test", names);
        Assert.Contains("localhost", names);
        Assert.Contains("127.0.0.1", names);
        Assert.Equal(harness.Authority.Certificate.Subject, certificate.Issuer);
    }

    [Fact]
    public async Task UpstreamCertOff_CertificateNamesOnlyTheRequestedHost()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { UpstreamCert = false });

        var certificate = await HandshakeThroughProxyAsync(harness, $"127.0.0.1:{Upstream.HttpsPort}", sni: "localhost");

        Assert.Equal(["localhost"], SubjectAlternativeNames(certificate));
    }

    [Fact]
    public async Task UntrustedUpstream_Gives502AndTlsErrorFlow()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { UpstreamTrustedCertificates = [] });
        var client = harness.CreateClient();

        using var response = await client.GetAsync($"{Upstream.HttpsUrl}/echo/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.Contains("TLS handshake with localhost", flow.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SslInsecure_AcceptsUntrustedUpstream()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { UpstreamTrustedCertificates = [], SslInsecure = true });
        var client = harness.CreateClient();

        var text = await client.GetStringAsync($"{Upstream.HttpsUrl}/echo/insecure", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/insecure", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IgnoredHost_IsTunnelledUntouchedAndNotRecorded()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { IgnoreHosts = [@"^localhost:\d+$"] });

        var certificate = await HandshakeThroughProxyAsync(harness, $"localhost:{Upstream.HttpsPort}", sni: "localhost", trust: Upstream.Authority);

        Assert.Equal(Upstream.Authority.Subject, certificate.Issuer);
        Assert.Equal(0, harness.Proxy.Flows.Count);
    }

    [Fact]
    public async Task CertificateAuthority_MintsANewHostQuicklyAndCachesIt()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { UpstreamCert = false });

        var first = await HandshakeThroughProxyAsync(harness, $"localhost:{Upstream.HttpsPort}", sni: "localhost");
        var second = await HandshakeThroughProxyAsync(harness, $"localhost:{Upstream.HttpsPort}", sni: "localhost");
        Assert.Equal(first.Thumbprint, second.Thumbprint);

        // Minting itself, after the first (which pays for JIT and key set-up): the README and
        // bench/RESULTS.md say about 1 ms per new host; 50 ms leaves room for a loaded 2-core machine
        // while still failing if each host got, say, its own RSA key (about 100-500 ms).
        using var cache = new LeafCertificateCache(harness.Authority, TimeProvider.System);
        cache.GetOrCreate(CertificateIdentity.ForHost("warm-up.test"));
        var timer = System.Diagnostics.Stopwatch.StartNew();
        const int hosts = 20;
        var minted = Enumerable.Range(0, hosts).Select(i => cache.GetOrCreate(CertificateIdentity.ForHost($"host{i}.test")).TargetCertificate).ToList();
        var perHost = timer.Elapsed / hosts;
        Assert.True(perHost < TimeSpan.FromMilliseconds(50), $"minting took {perHost.TotalMilliseconds:F1} ms per new host");
        Assert.Equal(hosts, minted.Select(c => c.Thumbprint).Distinct().Count());

        var again = cache.GetOrCreate(CertificateIdentity.ForHost("host0.test")).TargetCertificate;
        Assert.Same(minted[0], again); // cached: the same certificate object, not a new one
        Assert.Equal(hosts + 1, cache.Count);
    }

    /// <summary>CONNECTs through the proxy by hand and returns the certificate the client is shown.</summary>
    private static async Task<X509Certificate2> HandshakeThroughProxyAsync(ProxyHarness harness, string authority, string? sni, X509Certificate2? trust = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, harness.Proxy.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n"));
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            Assert.Equal(1, await stream.ReadAsync(one));
            head.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 200", head.ToString(), StringComparison.Ordinal);
        X509Certificate2? seen = null;
        await using var tls = new SslStream(stream);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = sni ?? "",
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                seen = X509CertificateLoader.LoadCertificate(certificate!.GetRawCertData());
                if (trust is null)
                {
                    return true;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.Add(trust);
                return chain.Build(seen);
            },
        });
        return seen!; // the callback ran during the handshake
    }

    private static List<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return names;
    }
}
