namespace MitmFixture.Cassettes;

/// <summary>
/// Reads a cassette, HAR or options file as untrusted input: only a regular file with something in it, and
/// no more than a byte array holds. A pipe would block the reader for ever and a device such as
/// /dev/zero would fill memory; both report a length of 0, as an empty file does, so all three
/// are refused before a byte is read.
/// </summary>
internal static class InputFile
{
    /// <exception cref="IOException">The file is empty, not a regular file, too large, or unreadable.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    /// <param name="allowEmpty">
    /// For a file that may be empty (an options file): a length of 0 then reads as no bytes, without
    /// opening the file, so a pipe or a device still cannot block or fill memory.
    /// </param>
    public static byte[] ReadAllBytes(string path, bool allowEmpty = false)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target)
        {
            info = target; // a link's own length is that of the name it holds
        }

        if (Directory.Exists(path))
        {
            throw new IOException("it is a folder, not a file");
        }

        if (!info.Exists)
        {
            throw new FileNotFoundException($"Could not find file '{info.FullName}'.", path);
        }

        var length = info.Length;
        if (length == 0)
        {
            return allowEmpty ? [] : throw new IOException("the file is empty, or not a regular file (a pipe or a device)");
        }

        if (length > Array.MaxLength)
        {
            throw new IOException($"the file is {length} bytes; a cassette or HAR file is read whole, so it may hold at most {Array.MaxLength} bytes");
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
