using MitmFixture.Proxy;

namespace MitmFixture.Tests.Support;

/// <summary>
/// The base of the HTTP/2 test classes: a fresh <see cref="H2Upstream"/> per test, and proxies that
/// trust its certificate authority.
/// </summary>
public abstract class H2UpstreamTests : IAsyncLifetime
{
    private H2Upstream? _upstream;

    /// <summary>The test's Kestrel server (h2 + http/1.1, http/1.1 only, h2c and h2 only, over one authority).</summary>
    protected H2Upstream Upstream => _upstream ?? throw new InvalidOperationException("the server starts in InitializeAsync");

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _upstream = await H2Upstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>A proxy that trusts <see cref="Upstream"/>'s certificates, with <paramref name="configure"/> applied first.</summary>
    protected Task<ProxyHarness> StartProxyAsync(Func<ProxyOptions, ProxyOptions>? configure = null) =>
        ProxyHarness.StartAsync(null, o => (configure?.Invoke(o) ?? o) with { UpstreamTrustedCertificates = [Upstream.Authority] });
}
