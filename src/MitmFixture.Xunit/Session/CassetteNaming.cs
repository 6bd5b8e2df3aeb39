using System.Text;

namespace MitmFixture.Xunit.Session;

/// <summary>Turns a test's name into a cassette file name that cannot leave the recordings folder.</summary>
internal static class CassetteNaming
{
    /// <summary><c>Class.Method(arg: 1)</c> → <c>Class.Method_arg-1_</c>: letters, digits, '.', '-', '_' only, no "..".</summary>
    public static string FileNameFor(string testName)
    {
        var builder = new StringBuilder(testName.Length);
        foreach (var c in testName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : c == '.' ? '.' : c == ' ' ? '-' : '_');
        }

        var name = builder.ToString();
        while (name.Contains("..", StringComparison.Ordinal))
        {
            name = name.Replace("..", ".", StringComparison.Ordinal);
        }

        name = name.Trim('.', '_');
        if (name.Length > 150)
        {
            name = name[..120] + "_" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(testName)))[..16];
        }

        return (name.Length == 0 ? "cassette" : name) + ".json";
    }

    /// <summary>The test each cassette named after a test belongs to, in this test run (every fixture of the process).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ClaimedBy = new(StringComparer.Ordinal);

    /// <summary>
    /// Refuses a second test whose name makes the same file as another's: <see cref="FileNameFor"/> is
    /// not one to one (<c>a*b</c> and <c>a:b</c>, <c>a b</c> and <c>a-b</c> as theory arguments), and two
    /// tests on one file would overwrite each other's recordings or replay each other's answers.
    /// Names chosen by the test (<c>UseCassetteAsync(name)</c>) may be shared on purpose and are not claimed.
    /// </summary>
    public static void Claim(string path, string testName)
    {
        if (ClaimedBy.GetOrAdd(path, testName) is var owner && owner != testName)
        {
            throw new InvalidOperationException(
                $"tests '{owner}' and '{testName}' would both use cassette {path}: a cassette's file name keeps letters, digits, " +
                "'.', '-' and '_' only, so their names make the same file. Name this test's cassette: UseCassetteAsync(\"a name of its own\").");
        }
    }

    /// <summary>The full path for <paramref name="name"/> in <paramref name="folder"/>, refusing names that escape it.</summary>
    public static string PathFor(string folder, string name)
    {
        var root = Path.GetFullPath(folder);
        var file = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? name : name + ".json";
        var full = Path.GetFullPath(Path.Combine(root, file));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"cassette name '{name}' leads outside the recordings folder {root}");
        }

        return full;
    }

    /// <summary>The <c>recordings</c> folder beside the test project (the nearest folder above the test binaries with a .csproj).</summary>
    public static string DefaultFolder(string baseDirectory)
    {
        var directory = new DirectoryInfo(baseDirectory);
        while (directory is not null)
        {
            if (directory.EnumerateFiles("*.csproj").Any())
            {
                return Path.Combine(directory.FullName, "recordings");
            }

            directory = directory.Parent;
        }

        return Path.Combine(baseDirectory, "recordings");
    }
}
