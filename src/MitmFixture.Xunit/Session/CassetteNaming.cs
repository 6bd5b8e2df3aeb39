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
