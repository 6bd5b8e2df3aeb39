using System.Collections.Concurrent;
using MitmFixture.Cassettes;

namespace MitmFixture.Xunit.Session;

/// <summary>Sweeps each cassette folder once per test run for temp files killed writers left behind.</summary>
internal static class CassetteFolders
{
    private static readonly ConcurrentDictionary<string, bool> Swept = new(StringComparer.Ordinal);

    public static void SweepOnce(string folder)
    {
        if (Swept.TryAdd(Path.GetFullPath(folder), true))
        {
            CassetteWriter.RemoveStaleTemporaries(folder);
        }
    }
}
