using System.Text.RegularExpressions;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Readme;

/// <summary>
/// The engine's layering as the README's Architecture table writes it: every folder of
/// <c>src/MitmFixture</c> has a row, and no file uses a namespace its folder's row does not name.
/// "Uses" is read from the source: <c>using MitmFixture.X</c> lines (aliases and statics too) and
/// qualified references (<c>MitmFixture.X.</c>, or <c>X.</c> which resolves inside the
/// <c>MitmFixture</c> namespace). Heavier than needed would be reflecting over signatures and IL;
/// lighter would miss the qualified names.
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Root = CliProcess.Dll.Split("/src/")[0];

    private static readonly string Engine = Path.Combine(Root, "src", "MitmFixture");

    [Fact]
    public void Readme_ArchitectureTable_HasARowForEveryEngineFolder()
    {
        var layers = Layers();
        var folders = EngineFolders();

        Assert.Equal(folders.Order(StringComparer.Ordinal), layers.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Engine_EveryFile_UsesOnlyTheFoldersItsRowAllows()
    {
        var layers = Layers();
        var violations = new List<string>();
        foreach (var folder in EngineFolders())
        {
            var allowed = layers.GetValueOrDefault(folder) ?? [];
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Engine, folder), "*.cs", SearchOption.AllDirectories))
            {
                foreach (var used in UsedFolders(File.ReadAllText(file), layers.Keys))
                {
                    if (used != folder && !allowed.Contains(used))
                    {
                        violations.Add($"{Path.GetRelativePath(Engine, file)} uses {used}");
                    }
                }
            }
        }

        Assert.True(violations.Count == 0, "layering violations (README.md, Architecture):\n" + string.Join('\n', violations));
    }

    [Fact]
    public void Layers_HaveNoCycle()
    {
        var layers = Layers();
        var done = new HashSet<string>();

        foreach (var folder in layers.Keys)
        {
            Visit(folder, []);
        }

        void Visit(string folder, List<string> path)
        {
            Assert.False(path.Contains(folder), "cycle: " + string.Join(" -> ", path.Append(folder)));
            if (!done.Add(folder))
            {
                return;
            }

            foreach (var next in layers.GetValueOrDefault(folder) ?? [])
            {
                Visit(next, [.. path, folder]);
            }
        }
    }

    [Theory]
    [InlineData("using MitmFixture.Proxy;", "Proxy")]
    [InlineData("using Mode = MitmFixture.Proxy.ProxyMode;", "Proxy")]
    [InlineData("using static MitmFixture.Http.HttpSyntax;", "Http")]
    [InlineData("var x = new MitmFixture.Cassettes.Cassette();", "Cassettes")]
    [InlineData("return Filters.PythonSyntax.Translate(s);", "Filters")]
    [InlineData("var host = global::MitmFixture.Tls.CertificateAuthority.X;", "Tls")]
    public void UsedFolders_FindsEveryKindOfReference(string line, string expected)
    {
        Assert.Equal([expected], UsedFolders(line, ["Proxy", "Http", "Cassettes", "Filters", "Tls"]));
    }

    [Theory]
    [InlineData("var listen = configuration.Proxy.ListenHost;")]
    [InlineData("// see Proxy.ProxyServer for why")]
    [InlineData("/// <summary>Unlike <c>Http.Foo</c>.</summary>")]
    [InlineData("namespace MitmFixture.Proxy;")]
    public void UsedFolders_IgnoresMembersCommentsAndTheNamespaceLine(string line)
    {
        Assert.Empty(UsedFolders(line, ["Proxy", "Http"]));
    }

    /// <summary>Folder -> the folders it may use, from the README's Architecture table.</summary>
    internal static Dictionary<string, HashSet<string>> Layers()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("\n## Architecture", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Architecture' section");
        var next = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var section = next < 0 ? readme[start..] : readme[start..next];

        var layers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(section))
        {
            var mayUse = row.Groups["uses"].Value.Trim();
            layers[row.Groups["folder"].Value] = mayUse == "nothing"
                ? []
                : [.. mayUse.Split(',').Select(u => u.Trim().Trim('`'))];
        }

        Assert.True(layers.Count > 0, "README.md's Architecture section has no table of folders");
        return layers;
    }

    private static List<string> EngineFolders() =>
        [.. Directory.EnumerateDirectories(Engine)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj") && Directory.EnumerateFiles(Path.Combine(Engine, name), "*.cs", SearchOption.AllDirectories).Any())];

    /// <summary>The engine folders a piece of source refers to, comments and the namespace line aside.</summary>
    internal static IReadOnlySet<string> UsedFolders(string source, IEnumerable<string> folders)
    {
        var names = string.Join('|', folders.Select(Regex.Escape));
        var qualified = new Regex($@"(?<![\w.])(?:global::)?(?:MitmFixture\.)?(?<folder>{names})\.[A-Z]", RegexOptions.CultureInvariant);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in source.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("//", StringComparison.Ordinal) || line.StartsWith("namespace ", StringComparison.Ordinal))
            {
                continue;
            }

            var code = line.Split("//")[0];
            if (UsingLine().Match(code) is { Success: true } directive && folders.Contains(directive.Groups["folder"].Value))
            {
                used.Add(directive.Groups["folder"].Value);
                continue;
            }

            foreach (Match match in qualified.Matches(code))
            {
                used.Add(match.Groups["folder"].Value);
            }
        }

        return used;
    }

    [GeneratedRegex(@"^using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?MitmFixture\.(?<folder>\w+)")]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"^\| `(?<folder>\w+)/` \| [^|]+ \| (?<uses>[^|]+) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
