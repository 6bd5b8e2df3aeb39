using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>Starts an xunit v3 fixture with isolated options (<see cref="Isolated"/>, shared with the xunit 2 tests).</summary>
internal static partial class TestFixtureOptions
{
    /// <summary>A fixture with <paramref name="options"/>, started as xunit would start it; dispose it to stop.</summary>
    public static async Task<ProxyFixture> StartAsync(FixtureOptions options)
    {
        var fixture = ProxyFixture.WithOptions(options);
        await fixture.InitializeAsync();
        return fixture;
    }
}
