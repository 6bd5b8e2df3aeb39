namespace MitmFixture.Xunit.Session;

/// <summary>Replay was asked for and the test's cassette does not exist.</summary>
public sealed class MissingCassetteException(string message) : Exception(message)
{
    public MissingCassetteException()
        : this("missing cassette")
    {
    }

    public MissingCassetteException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The test made requests its cassette has no answer for.</summary>
public sealed class UnmatchedRequestException(string message) : Exception(message)
{
    public UnmatchedRequestException()
        : this("unmatched request")
    {
    }

    public UnmatchedRequestException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The cassette holds recorded requests the test no longer makes.</summary>
public sealed class UnusedInteractionsException(string message) : Exception(message)
{
    public UnusedInteractionsException()
        : this("unused interactions")
    {
    }

    public UnusedInteractionsException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>The traffic differs from the verified snapshot.</summary>
public sealed class SnapshotMismatchException(string message) : Exception(message)
{
    public SnapshotMismatchException()
        : this("snapshot mismatch")
    {
    }

    public SnapshotMismatchException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>Drift mode: the test's live traffic no longer matches its cassette.</summary>
public sealed class TrafficDriftException(string message) : Exception(message)
{
    public TrafficDriftException()
        : this("traffic drifted from its cassette")
    {
    }

    public TrafficDriftException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}

/// <summary>A request reached the proxy's shared port while several tests had cassettes open, so it belongs to none.</summary>
public sealed class UnattributedRequestException(string message) : Exception(message)
{
    public UnattributedRequestException()
        : this("unattributed request")
    {
    }

    public UnattributedRequestException(string message, Exception inner)
        : this(message + " " + inner.Message)
    {
    }
}
