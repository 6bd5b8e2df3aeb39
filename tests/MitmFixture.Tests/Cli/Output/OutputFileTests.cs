using MitmFixture.Cli.Output;

namespace MitmFixture.Tests.Cli.Output;

public sealed class OutputFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-output-").FullName;

    [Fact]
    public void Problem_WritableFileOrMissingFolders_IsNone_AndMakesNothing()
    {
        Assert.Null(OutputFile.Problem(Path.Combine(_directory, "a.json")));
        Assert.Null(OutputFile.Problem(Path.Combine(_directory, "new", "deeper", "a.json")));

        Assert.False(Directory.Exists(Path.Combine(_directory, "new"))); // the write makes folders, not the check
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory)); // the probe is gone
    }

    [Fact]
    public void Problem_FileWhereAFolderShouldBe_NamesIt()
    {
        var file = Path.Combine(_directory, "file");
        File.WriteAllText(file, "x");

        Assert.Equal($"{file} is a file, not a folder", OutputFile.Problem(Path.Combine(file, "sub", "a.json")));
    }

    [Fact]
    public void Problem_PathIsAFolder_SaysSo()
    {
        Assert.Equal("it is a folder", OutputFile.Problem(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
