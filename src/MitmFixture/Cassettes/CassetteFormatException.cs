namespace MitmFixture.Cassettes;

/// <summary>A cassette that cannot be read: the message names the file, where in it, and what was expected.</summary>
public sealed class CassetteFormatException : Exception
{
    /// <summary>A cassette that does not parse: <paramref name="location"/> (file, line, key) and what was <paramref name="expected"/> there.</summary>
    public CassetteFormatException(string location, string expected, Exception? inner = null)
        : base($"{location}: {expected}", inner)
    {
        Location = location;
        Reason = expected;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public CassetteFormatException()
    {
        Location = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public CassetteFormatException(string message)
        : base(message)
    {
        Location = "";
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public CassetteFormatException(string message, Exception inner)
        : base(message, inner)
    {
        Location = "";
    }

    /// <summary>File, line and JSON path, as far as they are known.</summary>
    public string Location { get; }

    /// <summary>What is wrong there, or what was expected.</summary>
    public string Reason { get; } = "";

    /// <summary>
    /// Places a problem found at a JSON path (a location starting with <c>$</c>) in its file:
    /// <c>file:line at $.path: reason</c>. Other exceptions are returned as they are.
    /// </summary>
    internal static CassetteFormatException InFile(CassetteFormatException e, string file, ReadOnlySpan<byte> json)
    {
        if (!e.Location.StartsWith('$'))
        {
            return e;
        }

        var line = JsonLocator.LineOf(json, e.Location) is { } n ? $":{n}" : "";
        return new CassetteFormatException($"{file}{line} at {e.Location}", e.Reason, e);
    }
}
