namespace MitmFixture.Xunit.Session;

/// <summary>Replay was asked for and the test's cassette does not exist.</summary>
public sealed class MissingCassetteException(string message) : Exception(message)
{
    /// <summary>Creates the exception with a default message.</summary>
    public MissingCassetteException()
        : this("missing cassette")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public MissingCassetteException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The test made requests its cassette has no answer for.</summary>
public sealed class UnmatchedRequestException(string message) : Exception(message)
{
    /// <summary>Creates the exception with a default message.</summary>
    public UnmatchedRequestException()
        : this("unmatched request")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public UnmatchedRequestException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The cassette holds recorded requests the test no longer makes.</summary>
public sealed class UnusedInteractionsException(string message) : Exception(message)
{
    /// <summary>Creates the exception with a default message.</summary>
    public UnusedInteractionsException()
        : this("unused interactions")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public UnusedInteractionsException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The traffic differs from the verified snapshot.</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message)
{
    /// <summary>Creates the exception with a default message.</summary>
    public SnapshotMismatchException()
        : this("snapshot mismatch")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public SnapshotMismatchException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>Drift mode: the test's live traffic no longer matches its cassette.</summary>
public sealed class TrafficDriftException(string message) : Exception(message)
{
    /// <summary>Creates the exception with a default message.</summary>
    public TrafficDriftException()
        : this("traffic drifted from its cassette")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it.</summary>
    public TrafficDriftException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>
/// A request could not be given to one test's cassette: it reached the proxy's shared port while several
/// tests had cassettes open, or the fixture's own client refused it (sent from no test's execution
/// context, or by a test with no scope open, its scope ended). Thrown to the sender, and by the next
/// cassette scope to end (or the fixture's dispose), so a request that was caught or came too late still fails a test.
/// </summary>
public sealed class UnattributedRequestException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public UnattributedRequestException()
        : base("unattributed request")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public UnattributedRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the <paramref name="inner"/> that caused it (a connection to a port that had closed).</summary>
    public UnattributedRequestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
