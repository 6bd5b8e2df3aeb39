using System.Text;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// Reads a cassette, HAR or options file as untrusted input: only a regular file with something in it, and
/// no more than a byte array holds. A pipe would block the reader for ever and a device such as
/// /dev/zero would fill memory; both report a length of 0, as an empty file does, so all three
/// are refused before a byte is read.
/// </summary>
internal static class InputFile
{
    /// <summary>
    /// A cassette or HAR file as UTF-8 JSON, the encoding the readers take. Windows editors save JSON
    /// with a byte order mark, and some as UTF-16: RFC 8259 §8.1 lets a parser ignore the mark, and
    /// the file is read as the mark says (UTF-8, UTF-16, UTF-32), or as UTF-16 or UTF-32 told by the
    /// NULs in its first bytes (RFC 4627 §3), as a JSON body is (<see cref="BodyCharset"/>). UTF-8 bytes
    /// are returned as they are, so text that is not UTF-8 is still refused where it stands; a wider file
    /// keeps its lines, so an error still names the right one.
    /// </summary>
    /// <exception cref="IOException">The file is empty, not a regular file, too large, or unreadable.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static byte[] ReadJson(string path)
    {
        var bytes = ReadAllBytes(path);
        ReadOnlySpan<byte> text = bytes;
        var encoding = BodyCharset.Detect(ref text, declared: null);
        if (encoding is UTF8Encoding)
        {
            return text.Length == bytes.Length ? bytes : text.ToArray();
        }

        return Encoding.UTF8.GetBytes(encoding.GetString(text));
    }

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
