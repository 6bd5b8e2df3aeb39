using System.CommandLine;
using System.Text.Json;
using MitmFixture.Cli.Commands;
using MitmFixture.Proxy;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Support;

/// <summary>Every way a user sets an option.</summary>
public enum Surface
{
    Flag,
    Set,
    JsonFile,
    YamlFile,
    ConfigYaml,
    Fixture,
    /// <summary>A YAML options file given to <see cref="FixtureOptions.WithOptionsFile"/>.</summary>
    FixtureYamlFile,
    /// <summary>A JSON options file given to <see cref="FixtureOptions.WithOptionsFile"/>.</summary>
    FixtureJsonFile,
}

/// <summary>Sets options through the real command-line code (parsed in-process), options files and the fixture.</summary>
internal sealed class OptionSurfaces : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-options-").FullName;

    /// <summary>The home folder <see cref="Parse"/> gives the commands: its <c>.mitmfixture</c> is the default conf dir.</summary>
    public string Home => _folder;

    /// <summary>The options that are not the fixture's to take: it chooses them itself, or they belong to other commands.</summary>
    public static readonly IReadOnlyDictionary<string, string> NotFixtureOptions = new Dictionary<string, string>
    {
        ["listen"] = "the fixture listens on a free loopback port",
        ["listen_host"] = "the fixture listens on loopback",
        ["listen_port"] = "the fixture picks a free port",
        ["confdir"] = "the fixture uses an in-memory CA",
        ["server_replay"] = "the fixture replays each test's own cassette",
        ["server_replay_extra"] = "an unmatched request gets the fixture's 500 and fails the test",
        ["server_replay_kill_extra"] = "an unmatched request gets the fixture's 500 and fails the test",
        ["client_replay_stop_on_error"] = "client replay is a command, not a fixture feature",
    };

    /// <summary>The configuration a command line gives (all option groups offered, unless <paramref name="groups"/> says which), with its errors.</summary>
    public ProxyConfiguration Parse(IEnumerable<string> arguments, List<string> errors, OptionGroup[]? groups = null)
    {
        var shared = new ProxyCommandOptions(groups ?? Enum.GetValues<OptionGroup>());
        var command = new Command("test");
        shared.AddTo(command);
        var parse = command.Parse([.. arguments]);
        errors.AddRange(parse.Errors.Select(e => e.Message));
        return shared.Build(parse, errors, confHome: _folder);
    }

    /// <summary>The configuration one option set to <paramref name="value"/> through <paramref name="surface"/> gives.</summary>
    public ProxyConfiguration Configure(Surface surface, OptionDefinition option, string value, List<string> errors, string? flag = null) => surface switch
    {
        Surface.Flag => Parse(FlagArguments(option, value, flag ?? option.Flag), errors),
        Surface.Set => Parse(["--set", $"{option.Name}={value}"], errors),
        Surface.JsonFile => Parse(["--options", Write("options.json", $"{{ \"{option.Name}\": {Json(option, value)} }}")], errors),
        Surface.YamlFile => Parse(["--options", Write("options.yaml", Yaml(option, value))], errors),
        Surface.ConfigYaml => ConfigYaml(option, value, errors),
        Surface.Fixture => new FixtureOptions().With(option.Name, value).Configuration,
        Surface.FixtureYamlFile or Surface.FixtureJsonFile => new FixtureOptions().WithOptionsFile(FixtureFile(surface, option, value)).Configuration,
        _ => throw new ArgumentOutOfRangeException(nameof(surface)),
    };

    /// <summary>Whether <paramref name="surface"/> is the fixture's (by name or by file), which refuses <see cref="NotFixtureOptions"/>.</summary>
    public static bool ThroughFixture(Surface surface) => surface is Surface.Fixture or Surface.FixtureYamlFile or Surface.FixtureJsonFile;

    /// <summary>An options file for the fixture setting one option, in the format <paramref name="surface"/> names.</summary>
    public string FixtureFile(Surface surface, OptionDefinition option, string value) => surface == Surface.FixtureJsonFile
        ? Write("fixture-options.json", $"{{ \"{option.Name}\": {Json(option, value)} }}")
        : Write("fixture-options.yaml", Yaml(option, value));

    /// <summary>Each option's current value, by name: what two surfaces must agree on.</summary>
    public static Dictionary<string, string> Snapshot(ProxyConfiguration configuration) =>
        OptionRegistry.All.ToDictionary(o => o.Name, o => o.Show(configuration));

    public static string[] FlagArguments(OptionDefinition option, string value, string flag) => option.Type switch
    {
        OptionType.Bool when value == "true" => [flag],
        OptionType.Bool => [option.NegativeFlag!], // every boolean has one
        _ => [flag, value],
    };

    private ProxyConfiguration ConfigYaml(OptionDefinition option, string value, List<string> errors)
    {
        // config.yaml in the default conf dir (here a temp "home"), as mitmproxy reads ~/.mitmproxy/config.yaml.
        Directory.CreateDirectory(Path.Combine(_folder, ".mitmfixture"));
        File.WriteAllText(Path.Combine(_folder, ".mitmfixture", "config.yaml"), Yaml(option, value));
        try
        {
            return Parse([], errors);
        }
        finally
        {
            File.Delete(Path.Combine(_folder, ".mitmfixture", "config.yaml"));
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Json(OptionDefinition option, string value) => option.Type switch
    {
        OptionType.Bool => value,
        OptionType.List => $"[{JsonSerializer.Serialize(value)}]",
        _ => JsonSerializer.Serialize(value),
    };

    private static string Yaml(OptionDefinition option, string value)
    {
        var quoted = "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
        return option.Type switch
        {
            OptionType.Bool => $"# a comment, as config files have\n{option.Name}: {value}\n",
            OptionType.List => $"{option.Name}:\n  - {quoted}\n",
            _ => $"{option.Name}: {quoted}\n",
        };
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
