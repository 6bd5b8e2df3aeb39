using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace MitmFixture.Cassettes;

/// <summary>Writes a file so that readers, and a crash, only ever see the old or the new content whole.</summary>
internal static partial class AtomicFile
{
    /// <summary>
    /// How old a temporary of a process that still runs must be before it counts as left behind: a
    /// write lasts well under a second, so an hour-old one belongs to a process that was killed and
    /// whose PID was given to another.
    /// </summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    // A process's start time is computed from clock ticks since boot (10 ms on Linux) and the boot
    // time, so it can read a little later than a file the process wrote at once: a live writer
    // would be taken for a reused PID. A PID reused within a second of the write is not a real case.
    private static readonly TimeSpan StartTimeSlack = TimeSpan.FromSeconds(1);

    /// <summary>Folders swept in this process: a killed writer is another process, so one sweep per folder is enough.</summary>
    private static readonly ConcurrentDictionary<string, bool> Swept = new(StringComparer.Ordinal);

    public static void Write(string path, byte[] content) => Write(path, stream => stream.Write(content));

    /// <summary>Writes the file through <paramref name="write"/>, straight into the temp file: a large cassette is never composed in memory first.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = FinalTarget(Path.GetFullPath(path));
        var directory = Path.GetDirectoryName(full)!; // a full path has a directory
        Directory.CreateDirectory(directory);
        SweepOnce(directory);

        // The temp file sits beside the target so the rename stays on one file system (atomic on POSIX and NTFS).
        // Its name, .<file>.<pid>.<guid>.tmp, says whose it is (the .gitignore names the pattern).
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// The file a write to <paramref name="full"/> replaces: for a symbolic link, or a chain of them, the
    /// file at its end (which need not exist yet). A rename over the link itself would put a copy in its
    /// place, and a cassette shared through links would silently fork.
    /// </summary>
    /// <exception cref="IOException">The links loop, or go too deep to follow.</exception>
    private static string FinalTarget(string full)
    {
        var info = new FileInfo(full);
        return info.LinkTarget is null ? full : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full; // a path that is no link (or no file yet) is written as it is
    }

    /// <summary>Sweeps <paramref name="directory"/> the first time this process writes there.</summary>
    public static void SweepOnce(string directory)
    {
        if (Swept.TryAdd(Path.GetFullPath(directory), true))
        {
            RemoveStaleTemporaries(directory);
        }
    }

    /// <summary>
    /// Removes the temp files killed writers left in <paramref name="directory"/>: only names this
    /// class makes (<c>.&lt;file&gt;.&lt;pid&gt;.&lt;32 hex&gt;.tmp</c>), and only when their process no longer
    /// runs, or they are older than an hour (that PID was reused). A live writer's temp file, in
    /// this process or another, is left alone. Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemporaries(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, ".*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0; // best effort: the folder may vanish or be unreadable; the next write reports that
        }

        foreach (var file in candidates)
        {
            if (TemporaryName().Match(Path.GetFileName(file)) is not { Success: true } match ||
                !int.TryParse(match.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            var live = pid == Environment.ProcessId || IsRunningSince(pid, file);
            if (live && !IsOlderThan(file, AbandonedAfter))
            {
                continue;
            }

            if (TryDelete(file))
            {
                removed++;
            }
        }

        return removed;
    }

    private static bool IsOlderThan(string file, TimeSpan age)
    {
        try
        {
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > age;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether the writer that made <paramref name="file"/> may still run: a process with that PID runs
    /// and started before the file was written (give or take <see cref="StartTimeSlack"/>). PIDs are reused quickly (Linux's pid_max is often
    /// 32768 and threads draw from the same numbers), so a process that started later is another one.
    /// </summary>
    private static bool IsRunningSince(int pid, string file)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= File.GetLastWriteTimeUtc(file) + StartTimeSlack;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return !File.Exists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the original file is untouched either way.
            return false;
        }
    }

    [GeneratedRegex(@"^\..+\.(?<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();
}
