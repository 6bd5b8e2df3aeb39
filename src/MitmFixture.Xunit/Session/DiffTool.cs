using DiffEngine;

namespace MitmFixture.Xunit.Session;

/// <summary>Opens the user's diff tool on a failed snapshot, as Verify does, through DiffEngine (which finds the installed tool).</summary>
internal static class DiffTool
{
    /// <summary>The launcher when the options ask for it and this is not a CI run (nobody is there to look), else null.</summary>
    public static Func<string, string, Task>? For(FixtureOptions options) =>
        options.OpenDiffTool && !options.ContinuousIntegration ? OpenAsync : null;

    private static async Task OpenAsync(string received, string verified) =>
        await DiffRunner.LaunchAsync(received, verified); // NoDiffToolFound and friends are results, not errors: the diff is in the failure anyway
}
