namespace MitmFixture.Cli.Output;

/// <summary>
/// A file a command writes (a cassette, a HAR, a report): checked before any work, so a path that
/// cannot be written is a usage error up front (exit 2) instead of a recording or a replay lost at
/// the end, and a write that still fails is one error line (exit 1), never a stack trace.
/// </summary>
internal static class OutputFile
{
    /// <summary>Adds why <paramref name="path"/> cannot be written to <paramref name="errors"/>, if it cannot.</summary>
    public static void Check(string? path, List<string> errors)
    {
        if (path is not null && Problem(path) is { } problem)
        {
            errors.Add($"{path}: cannot write the file: {problem}");
        }
    }

    /// <summary>
    /// Why the file could not be written, or null: the path names a folder, a file stands where a
    /// folder should, or the nearest existing folder refuses a new file (a probe is created there and
    /// deleted at once). Missing folders are not made here; the write makes them.
    /// </summary>
    public static string? Problem(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return e.Message;
        }

        if (Directory.Exists(full))
        {
            return "it is a folder";
        }

        var folder = Path.GetDirectoryName(full);
        while (folder is not null && !Directory.Exists(folder))
        {
            if (File.Exists(folder))
            {
                return $"{folder} is a file, not a folder";
            }

            folder = Path.GetDirectoryName(folder);
        }

        if (folder is null)
        {
            return "no folder of it exists";
        }

        try
        {
            using var probe = new FileStream(Path.Combine(folder, $".mitmfixture-probe-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{folder} does not take new files: {e.Message}";
        }

        return null;
    }

    /// <summary>Runs a write of <paramref name="path"/>; a failure is one error line and false.</summary>
    public static bool TryWrite(string path, Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: cannot write {path}: {e.Message}");
            return false;
        }
    }
}
