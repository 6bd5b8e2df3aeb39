using MitmFixture.Flows;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// Snapshot verification of a test's traffic, following Verify's file conventions:
/// <c>Name.received.json</c> is written every run, compared with <c>Name.verified.json</c>; a
/// difference fails with a unified diff, and accepting it means renaming received to verified.
/// The normalisation itself lives in the engine (<see cref="TrafficNormalizer"/>), shared with the drift check.
/// </summary>
internal static class TrafficSnapshot
{
    /// <summary>
    /// Verifies <paramref name="flows"/>; on a difference <paramref name="openDiff"/>, when given, is
    /// called with the received and verified paths (to open a diff tool) before the failure is thrown.
    /// </summary>
    public static async Task VerifyAsync(IReadOnlyList<Flow> flows, string folder, string name, TrafficScrubOptions options, bool accept, Func<string, string, Task>? openDiff = null)
    {
        Directory.CreateDirectory(folder);
        var stem = CassetteNaming.FileNameFor(name)[..^".json".Length];
        var received = Path.Combine(folder, stem + ".received.json");
        var verified = Path.Combine(folder, stem + ".verified.json");
        var text = TrafficNormalizer.Render(flows, options);
        if (accept)
        {
            await File.WriteAllTextAsync(verified, text);
            File.Delete(received);
            return;
        }

        if (File.Exists(verified) && (await File.ReadAllTextAsync(verified)).ReplaceLineEndings("\n") == text)
        {
            File.Delete(received);
            return;
        }

        await File.WriteAllTextAsync(received, text);
        if (!File.Exists(verified))
        {
            throw new SnapshotMismatchException($"no verified snapshot yet: review {received} and rename it to {Path.GetFileName(verified)} (or run with MITMFIXTURE_ACCEPT=1)");
        }

        if (openDiff is not null)
        {
            await openDiff(received, verified);
        }

        var diff = UnifiedDiff.Create((await File.ReadAllTextAsync(verified)).ReplaceLineEndings("\n"), text, Path.GetFileName(verified), Path.GetFileName(received));
        throw new SnapshotMismatchException($"traffic differs from {verified}:\n{diff}\nIf the change is intended, rename {Path.GetFileName(received)} to {Path.GetFileName(verified)} (or run with MITMFIXTURE_ACCEPT=1).");
    }
}
