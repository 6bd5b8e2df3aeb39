using System.Text.Json.Nodes;

namespace MitmFixture.Cassettes;

/// <summary>
/// Upgrades older cassette files one version at a time. Version 1 is the first format, so the chain
/// is empty; a change to the format adds a step from N to N+1 here and raises <see cref="Cassette.CurrentVersion"/>.
/// </summary>
internal static class CassetteMigrations
{
    private static readonly Dictionary<int, Func<JsonObject, JsonObject>> Steps = [];

    public static JsonObject Migrate(JsonObject cassette, int fromVersion, string path)
    {
        for (var version = fromVersion; version < Cassette.CurrentVersion; version++)
        {
            if (!Steps.TryGetValue(version, out var step))
            {
                throw new CassetteFormatException($"{path}: $.version", $"no migration from format version {version}");
            }

            cassette = step(cassette);
            cassette["version"] = version + 1;
        }

        return cassette;
    }
}
