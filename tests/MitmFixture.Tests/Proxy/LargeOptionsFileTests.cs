using System.Text;
using System.Text.Json;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// An options file with tens of thousands of list entries loads in linear time: 40,000 took 69 s
/// when each value copied the whole list (and redact_env rebuilt its placeholders) once per value.
/// </summary>
public sealed class LargeOptionsFileTests : IDisposable
{
    private const int Entries = 20_000;

    private readonly OptionSurfaces _surfaces = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-large-options-").FullName;

    public static TheoryData<string, string> EveryListOptionInEachFormat()
    {
        var data = new TheoryData<string, string>();
        foreach (var option in OptionRegistry.All.Where(o => o.Type == OptionType.List))
        {
            data.Add(option.Name, "json");
            data.Add(option.Name, "yaml");
        }

        return data;
    }

    // A bound, not a benchmark: linear loading takes well under a second here, quadratic took minutes.
    [Theory]
    [MemberData(nameof(EveryListOptionInEachFormat))]
    public async Task Load_TwentyThousandEntries_IsLinear(string name, string format)
    {
        var option = OptionRegistry.Find(name)!;
        var values = Enumerable.Range(0, Entries).Select(i => Value(option, i)).ToList();
        var path = Path.Combine(_directory, $"{name}.{format}");
        File.WriteAllText(path, format == "json" ? Json(name, values) : Yaml(name, values));
        var errors = new List<string>();

        var load = Task.Run(() => _surfaces.Parse(["--options", path], errors), TestContext.Current.CancellationToken);
        var configuration = await load.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Empty(errors);
        Assert.Equal(Entries, option.Values(configuration).Count);
    }

    /// <summary>Distinct values where the option keeps only distinct ones (a name in a dictionary).</summary>
    private static string Value(OptionDefinition option, int i) => option.Name switch
    {
        "redact_env" => $"MITMFIXTURE_TEST_{i}",
        "redact_headers" or "server_replay_use_headers" => $"X-Header-{i}",
        "redact_secret_fields" => $"field_{i}", // names matched case-insensitively, held once
        "modify_headers" => $"/~q/X-Header-{i}/1",
        _ => option.Example,
    };

    private static string Json(string name, List<string> values) =>
        JsonSerializer.Serialize(new Dictionary<string, List<string>> { [name] = values });

    private static string Yaml(string name, List<string> values)
    {
        var text = new StringBuilder($"{name}:\n");
        foreach (var value in values)
        {
            text.Append("  - '").Append(value.Replace("'", "''", StringComparison.Ordinal)).Append("'\n");
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _surfaces.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
