using MitmFixture.Flows;

namespace MitmFixture.Replay.Drift;

/// <summary>How a live answer stands against its recording.</summary>
public enum DriftVerdict
{
    /// <summary>Status, headers and body match once volatile values are scrubbed.</summary>
    Same,

    /// <summary>The live answer differs from the recording.</summary>
    Drifted,

    /// <summary>No live answer: the request failed (refused, reset, timeout, TLS).</summary>
    Failed,
}

/// <summary>One recorded flow checked against the live service.</summary>
/// <param name="Index">The flow's position in its cassette, from 0.</param>
/// <param name="Differences">What differed, one short phrase each (<c>status 200 -> 500</c>, <c>header X-Version</c>, <c>body</c>).</param>
/// <param name="Diff">A unified diff of the normalised answers (recorded, then live); empty when the same.</param>
public sealed record FlowDrift(int Index, Flow Recorded, Flow Live, DriftVerdict Verdict, IReadOnlyList<string> Differences, string Diff);
