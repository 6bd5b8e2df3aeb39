using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// Fixture options for tests of the fixture itself: files in the test's own folder, and free of the
/// environment the suite runs in (MITMFIXTURE_MODE, MITMFIXTURE_ACCEPT, CI), which users and CI set
/// for their own tests and which must not change what these tests check. Compiled into the xunit 2
/// tests too (tests/MitmFixture.Xunit2.Tests), whose fixture takes the same options.
/// </summary>
internal static partial class TestFixtureOptions
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
}
