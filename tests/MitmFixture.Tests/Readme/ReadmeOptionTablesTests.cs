using System.Text;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Readme;

/// <summary>
/// The README's option tables are made from <see cref="OptionRegistry"/>: the block between the
/// markers must equal what <see cref="Tables"/> writes, so a new option, flag or default cannot go
/// undocumented. On a difference the expected block is written to a temp file named in the failure.
/// </summary>
public sealed class ReadmeOptionTablesTests
{
    private const string Begin = "<!-- BEGIN option tables: generated from OptionRegistry, checked by ReadmeOptionTablesTests -->";
    private const string End = "<!-- END option tables -->";

    private static readonly (OptionGroup Group, string Title)[] Groups =
    [
        (OptionGroup.Proxy, "Engine: `ProxyOptions` (`FixtureOptions.Proxy`) and its `Limits` (`HttpLimits`)"),
        (OptionGroup.Features, "Flow-modifying features: `FeatureOptions` (`FixtureOptions.Features`)"),
        (OptionGroup.ServerReplay, "Server replay: `ServerReplayOptions` (`FixtureOptions.Replay`) and the cassettes"),
        (OptionGroup.Redaction, "Redaction: `RedactionOptions` (`FixtureOptions.Redaction`)"),
        (OptionGroup.ClientReplay, "Client replay: `ClientReplayOptions` (`client-replay` only)"),
    ];

    [Fact]
    public void Readme_OptionTables_AreTheRegistrys()
    {
        var root = CliProcess.Dll.Split("/src/")[0];
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"README.md has no block between '{Begin}' and '{End}'");

        var actual = readme[(start + Begin.Length)..end].Trim('\n');
        var expected = Tables().Trim('\n');
        if (actual != expected)
        {
            var path = Path.Combine(Path.GetTempPath(), "README.option-tables.received.md");
            File.WriteAllText(path, expected + "\n");
            Assert.Fail($"README.md's option tables differ from OptionRegistry; the expected block is in {path}");
        }
    }

    [Fact]
    public void Tables_EveryOption_HasOneRow()
    {
        var tables = Tables();

        Assert.All(OptionRegistry.All, o => Assert.Single(tables.Split('\n'), line => line.StartsWith($"| `{o.Name}` |", StringComparison.Ordinal)));
    }

    /// <summary>One table per options object: name (the --set name and file key), flags, the property it sets, default, meaning.</summary>
    public static string Tables()
    {
        var text = new StringBuilder();
        foreach (var (group, title) in Groups)
        {
            text.Append('\n').Append("**").Append(title).Append("**\n\n");
            text.Append("| Option | Flags | Sets | Default | Meaning |\n| --- | --- | --- | --- | --- |\n");
            foreach (var option in OptionRegistry.All.Where(o => o.Group == group))
            {
                var flags = string.Join(", ", option.Flags.Select(f => $"`{f}`").Concat(option.NegativeFlag is { } off ? [$"`{off}`"] : []));
                var target = string.Join(", ", option.Target.Split(", ").Select(t => $"`{t}`"));
                var fallback = option.Type switch
                {
                    OptionType.List => "none",
                    _ => "off",
                };
                var defaultText = option.Default.Length > 0 ? $"`{option.Default}`" : fallback;
                text.Append($"| `{option.Name}` | {flags} | {target} | {Cell(defaultText)} | {Cell(option.Help)}{Aliases(option)} |\n");
            }
        }

        return text.ToString();
    }

    private static string Aliases(OptionDefinition option) =>
        option.Aliases.Count == 0 ? "" : " Also `" + string.Join("`, `", option.Aliases) + "`.";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "\\<", StringComparison.Ordinal).Replace(">", "\\>", StringComparison.Ordinal);
}
