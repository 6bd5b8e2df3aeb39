using System.Text;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>An options file is read as input that may be hostile: a pipe or a device never blocks or fills memory.</summary>
public sealed class OptionsFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-optionsfile-").FullName;

    // A pipe would block File.ReadAllText for ever and /dev/zero fill memory; both read as no options, at once.
    [Theory]
    [InlineData("fifo")]
    [InlineData("zero")]
    [InlineData("empty")]
    public async Task Read_APipeADeviceOrAnEmptyFile_IsNoOptions_AtOnce(string kind)
    {
        var path = Path.Combine(_directory, kind + ".yaml");
        await SpecialFiles.CreateAsync(kind, path);

        var errors = new List<string>();
        var read = Task.Run(() => OptionsFile.Read(path, path, errors), TestContext.Current.CancellationToken);

        Assert.Empty(await read.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_Utf16WithAByteOrderMark_IsDecodedByIt()
    {
        var path = Path.Combine(_directory, "options.json");
        File.WriteAllText(path, "{ \"decode_limit\": \"1k\" }", Encoding.Unicode);
        var errors = new List<string>();

        var assignment = Assert.Single(OptionsFile.Read(path, path, errors));

        Assert.Empty(errors);
        Assert.Equal("decode_limit", assignment.Key);
        Assert.Equal(["1k"], assignment.Values);
    }

    // YamlStream builds nodes recursively: 30,000 '[' overflowed the stack, a crash no handler can catch.
    [Fact]
    public void Read_YamlNestedThousandsDeep_IsOneErrorNotACrash()
    {
        var path = Path.Combine(_directory, "deep.yaml");
        File.WriteAllText(path, "anticache: " + new string('[', 30_000) + new string(']', 30_000) + "\n");
        var errors = new List<string>();

        Assert.Empty(OptionsFile.Read(path, path, errors));

        Assert.Equal($"{path}:1: expected a YAML mapping of option names: nested deeper than 64 levels", Assert.Single(errors));
    }

    [Theory]
    [InlineData("{\"anticache\": true,\n \"anticache\": false}\n", ":2: \"anticache\": given twice (first on line 1)")] // as the YAML reader refuses it
    [InlineData("{\"anticache\": tru}\n", ":1: expected a JSON object of option names: 'tru} ' is an invalid JSON literal")] // one line, though the reader quotes a newline
    public void Read_BadJson_OneLineNamingFileAndLine(string json, string message)
    {
        var path = Path.Combine(_directory, "bad.json");
        File.WriteAllText(path, json);
        var errors = new List<string>();

        OptionsFile.Read(path, path, errors);

        var error = Assert.Single(errors);
        Assert.StartsWith(path + message, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    // YamlStream reads every document and the reader took the first: keys after a '---' were dropped unread.
    [Theory]
    [InlineData("anticache: true\n---\nanticomp: true\n", 2)]
    [InlineData("---\nanticache: true\n\n---\nanticomp: true\n", 4)]
    [InlineData("anticache: true\n---\n", 2)]
    public void Read_YamlWithASecondDocument_IsRefusedAtItsLine(string yaml, int line)
    {
        var path = Path.Combine(_directory, "two.yaml");
        File.WriteAllText(path, yaml);
        var errors = new List<string>();

        Assert.Empty(OptionsFile.Read(path, path, errors));

        Assert.Equal($"{path}:{line}: one YAML document expected; a second one starts here", Assert.Single(errors));
    }

    [Fact]
    public void Read_YamlWithOneExplicitDocument_IsRead()
    {
        var path = Path.Combine(_directory, "one.yaml");
        File.WriteAllText(path, "---\nanticache: true\n...\n");
        var errors = new List<string>();

        var assignment = Assert.Single(OptionsFile.Read(path, path, errors));

        Assert.Empty(errors);
        Assert.Equal("anticache", assignment.Key);
    }

    [Fact]
    public void Read_AnEmptyJsonFile_IsNoOptions()
    {
        var path = Path.Combine(_directory, "empty.json");
        File.WriteAllText(path, "  \n");
        var errors = new List<string>();

        Assert.Empty(OptionsFile.Read(path, path, errors));
        Assert.Empty(errors);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
