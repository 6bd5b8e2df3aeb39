using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Tls;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Safe defaults: loopback binding, a warning when that is given up without proxy auth, verified upstreams.</summary>
public sealed class SecurityDefaultsTests
{
    [Fact]
    public void Defaults_BindLoopbackAndVerifyServers()
    {
        var options = new ProxyOptions();

        Assert.Equal("127.0.0.1", options.ListenHost);
        Assert.False(options.SslInsecure);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task BindingBeyondLoopback_WarnsUnlessProxyAuthIsOn(bool withAuth, bool expectWarning)
    {
        var logs = new CapturingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var ca = CertificateAuthority.CreateEphemeral();
        var addons = withAuth ? new ProxyAddon[] { ProxyAuthAddon.Parse("u:p") } : [];

        await using (await ProxyServer.StartAsync(new ProxyOptions { ListenHost = "0.0.0.0", ListenPort = 0, CertificateAuthority = ca, LoggerFactory = factory, Addons = addons }))
        {
        }

        Assert.Equal(expectWarning, logs.Messages.Any(m => m.Contains("beyond loopback, without proxy authentication", StringComparison.Ordinal)));
    }
}
