using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Xunit2.Tests;

/// <summary>
/// The xunit 2 fixture with its files in the test's folder, free of the environment the suite runs
/// in (MITMFIXTURE_MODE, CI), started and ended as xunit 2 does (<see cref="IAsyncLifetime"/>).
/// </summary>
internal sealed class IsolatedFixture(RecordMode mode, string folder) : ProxyFixture(new FixtureOptions
{
    Mode = mode,
    CassetteFolder = folder,
    SnapshotFolder = folder,
    ContinuousIntegration = false,
    AcceptSnapshots = false,
    AcceptDrift = false,
    ReadEnvironment = _ => null,
    ReportFolder = Path.Combine(folder, "reports"),
})
{
    public static async Task<IsolatedFixture> StartAsync(RecordMode mode, string folder)
    {
        var fixture = new IsolatedFixture(mode, folder);
        await fixture.InitializeAsync();
        return fixture;
    }
}
