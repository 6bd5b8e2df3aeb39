using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>One Kestrel upstream shared by a test class; proxies are per test.</summary>
public sealed class UpstreamFixture : IAsyncLifetime
{
    public TestUpstream Upstream { get; private set; } = null!; // set in InitializeAsync, before any test

    public async ValueTask InitializeAsync() => Upstream = await TestUpstream.StartAsync();

    public async ValueTask DisposeAsync() => await Upstream.DisposeAsync();
}
