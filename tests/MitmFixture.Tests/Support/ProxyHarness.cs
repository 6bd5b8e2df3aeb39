using System.Net;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Tests.Support;

/// <summary>A proxy on a free loopback port with an in-memory CA, trusting the test upstream's CA, plus clients wired to it.</summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];

    private ProxyHarness(ProxyServer proxy, CertificateAuthority authority)
    {
        Proxy = proxy;
        Authority = authority;
    }

    public ProxyServer Proxy { get; }

    public CertificateAuthority Authority { get; }

    public static async Task<ProxyHarness> StartAsync(TestUpstream? upstream, Func<ProxyOptions, ProxyOptions>? configure = null)
    {
        var authority = CertificateAuthority.CreateEphemeral("MitmFixture Test CA");
        var options = new ProxyOptions
        {
            ListenPort = 0,
            CertificateAuthority = authority,
            UpstreamTrustedCertificates = upstream is null ? [] : [upstream.Authority],
        };
        options = configure?.Invoke(options) ?? options;
        return new ProxyHarness(await ProxyServer.StartAsync(options), authority);
    }

    /// <summary>An HttpClient that uses the proxy and trusts only the proxy's CA.</summary>
    public HttpClient CreateClient(bool useProxy = true)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = useProxy,
            Proxy = useProxy ? new WebProxy(Proxy.Url) : null,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = { RemoteCertificateValidationCallback = Authority.CreateValidationCallback() },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        _owned.Add(client);
        return client;
    }

    /// <summary>The CA certificate as a PEM file, for curl's --cacert.</summary>
    public string WriteCaFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, Authority.CertificatePem);
        _owned.Add(new DeleteOnDispose(path));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        await Proxy.DisposeAsync();
        Authority.Dispose();
    }

    private sealed class DeleteOnDispose(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
