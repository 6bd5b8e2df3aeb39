using MitmFixture.Tests.Fixture;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Xunit2.Tests;

/// <summary>The xunit 2 fixture with the engine tests' isolated options, started and ended as xunit 2 does (<see cref="IAsyncLifetime"/>).</summary>
internal sealed class IsolatedFixture(RecordMode mode, string folder) : ProxyFixture(TestFixtureOptions.Isolated(mode, folder))
{
    public static async Task<IsolatedFixture> StartAsync(RecordMode mode, string folder)
    {
        var fixture = new IsolatedFixture(mode, folder);
        await fixture.InitializeAsync();
        return fixture;
    }
}
