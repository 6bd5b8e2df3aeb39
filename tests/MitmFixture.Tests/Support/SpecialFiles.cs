namespace MitmFixture.Tests.Support;

/// <summary>Files that are not what a reader expects: a pipe (blocks a reader for ever), /dev/zero behind a link (fills memory), an empty file, a folder.</summary>
public static class SpecialFiles
{
    public static async Task CreateAsync(string kind, string path)
    {
        switch (kind)
        {
            case "fifo":
                using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", path))
                {
                    await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
                }

                break;
            case "zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "empty":
                await File.WriteAllTextAsync(path, "", TestContext.Current.CancellationToken);
                break;
            case "folder":
                Directory.CreateDirectory(path);
                break;
            default:
                throw new ArgumentException($"unknown kind '{kind}'", nameof(kind));
        }
    }
}
