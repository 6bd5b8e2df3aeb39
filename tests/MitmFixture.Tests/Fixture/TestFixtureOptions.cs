using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// Fixture options for tests of the fixture itself: files in the test's own folder, and free of the
/// environment the suite runs in (MITMFIXTURE_MODE, MITMFIXTURE_ACCEPT, CI), which users and CI set
/// for their own tests and which must not change what these tests check.
/// </summary>
internal static class TestFixtureOptions
{
    public static FixtureOptions Isolated(RecordMode mode, string folder) => new()
    {
        Mode = mode,
        CassetteFolder = folder,
        SnapshotFolder = folder,
        ContinuousIntegration = false,
        AcceptSnapshots = false,
        AcceptDrift = false,
        ReadEnvironment = _ => null,
        ReportFolder = Path.Combine(folder, "reports"),
    };

    /// <summary>A fixture with <paramref name="options"/>, started as xunit would start it; dispose it to stop.</summary>
    public static async Task<ProxyFixture> StartAsync(FixtureOptions options)
    {
        var fixture = ProxyFixture.WithOptions(options);
        await fixture.InitializeAsync();
        return fixture;
    }
}
