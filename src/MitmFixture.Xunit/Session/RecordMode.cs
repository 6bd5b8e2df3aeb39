namespace MitmFixture.Xunit.Session;

/// <summary>What the fixture does with a test's traffic.</summary>
public enum RecordMode
{
    /// <summary>Replay when the test's cassette exists, record when it does not (never records when CI=true).</summary>
    Auto,

    /// <summary>Forward to the real servers and save the traffic, replacing the cassette.</summary>
    Record,

    /// <summary>Serve from the cassette and never touch the network; unmatched requests fail the test.</summary>
    Replay,

    /// <summary>Forward to the real servers and save nothing.</summary>
    Passthrough,

    /// <summary>
    /// Forward to the real servers, save nothing, and fail the test when its live traffic drifted
    /// from its cassette (the drift check of <c>mitmfixture drift</c>, with the same diff).
    /// </summary>
    Drift,
}
