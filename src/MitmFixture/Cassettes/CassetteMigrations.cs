using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>
/// Upgrades older cassette files one version at a time; a change to the format adds a step from N to
/// N+1 here and raises <see cref="Cassette.CurrentVersion"/>.
/// 1 to 2: flows gain an optional "connection" (client and server details). Version 1 files have
/// none, so nothing changes but the version; the server address is taken from the request on load.
/// 2 to 3: flows gain an optional "metadata" (mitmproxy's flow.metadata: what the proxy noted about
/// the flow, such as a server's surplus bytes). Version 2 files have none: only the version changes.
/// 3 to 4: gRPC flows gain an optional "grpc" (each message of the call as its own entry). Version 3
/// files hold a gRPC call's messages in its bodies; they are split into messages on load (FlowMapper).
/// </summary>
internal static class CassetteMigrations
{
    /// <summary>The step from each version to the next; null when the older file already reads as the newer one.</summary>
    private static readonly Dictionary<int, Func<JsonObject, JsonObject>?> Steps = new()
    {
        [1] = null,
        [2] = null,
        [3] = null,
    };

    /// <summary>
    /// False when every step from <paramref name="fromVersion"/> is null: the file is then read as it
    /// is, so errors keep pointing at its own lines.
    /// </summary>
    public static bool ChangesContent(int fromVersion) =>
        Enumerable.Range(fromVersion, Math.Max(0, Cassette.CurrentVersion - fromVersion)).Any(v => !Steps.TryGetValue(v, out var step) || step is not null);

    public static JsonObject Migrate(JsonObject cassette, int fromVersion, string path)
    {
        for (var version = fromVersion; version < Cassette.CurrentVersion; version++)
        {
            if (!Steps.TryGetValue(version, out var step))
            {
                throw new CassetteFormatException($"{path}: $.version", $"no migration from format version {version}");
            }

            cassette = step?.Invoke(cassette) ?? cassette;
            cassette["version"] = version + 1;
        }

        return cassette;
    }
}
