namespace MitmFixture.Cassettes;

/// <summary>A cassette that cannot be read: the message names the file, where in it, and what was expected.</summary>
public sealed class CassetteFormatException : Exception
{
    public CassetteFormatException(string location, string expected, Exception? inner = null)
        : base($"{location}: {expected}", inner)
    {
        Location = location;
    }

    public CassetteFormatException()
    {
        Location = "";
    }

    public CassetteFormatException(string message)
        : base(message)
    {
        Location = "";
    }

    public CassetteFormatException(string message, Exception inner)
        : base(message, inner)
    {
        Location = "";
    }

    /// <summary>File, line and JSON path, as far as they are known.</summary>
    public string Location { get; }
}
