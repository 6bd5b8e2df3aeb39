using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Flows;

namespace MitmFixture.Replay.Drift;

/// <summary>
/// A test's live traffic held against its cassette (the fixture's Drift mode): each live flow,
/// redacted as a recording would be, is paired with the recording replay would have served for it
/// (the same matching rules) and compared; live requests without a recording are drift too.
/// </summary>
/// <param name="Flows">The paired flows, with their verdicts.</param>
/// <param name="Unrecorded">Live requests the cassette has no recording for, each with the nearest recording and what differs.</param>
/// <param name="LiveIndexes">For each of <paramref name="Flows"/>, the position of its live flow in the traffic compared.</param>
public sealed record TrafficDrift(IReadOnlyList<FlowDrift> Flows, IReadOnlyList<UnrecordedFlow> Unrecorded, IReadOnlyList<int> LiveIndexes)
{
    /// <summary>True when a flow differs from its recording or a live request has none.</summary>
    public bool HasDrift => Unrecorded.Count > 0 || Flows.Any(f => f.Verdict != DriftVerdict.Same);

    /// <summary>Compares the <paramref name="live"/> flows to the <paramref name="cassette"/>'s, matched as server replay would match them.</summary>
    public static TrafficDrift Compare(IReadOnlyList<Flow> live, Cassette cassette, ServerReplayOptions replay, Redactor redactor, TrafficScrubOptions options)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(cassette);
        ArgumentNullException.ThrowIfNull(redactor);
        var store = new ReplayStore(cassette.Flows, replay with { Reuse = false }, cassette.Modes);
        var indexes = new Dictionary<Flow, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < cassette.Flows.Count; i++)
        {
            indexes[cassette.Flows[i]] = i;
        }

        var flows = new List<FlowDrift>();
        var liveIndexes = new List<int>();
        var unrecorded = new List<UnrecordedFlow>();
        var redactedLive = redactor.Redact(live); // as one cassette, as the recording was: a token one answer gave is redacted where a later request sends it
        for (var i = 0; i < live.Count; i++)
        {
            var redacted = redactedLive[i];
            if (store.TryTake(redacted.Request, out var recorded) && recorded is not null)
            {
                flows.Add(DriftComparer.Compare(indexes[recorded], recorded, redacted, options));
                liveIndexes.Add(i);
            }
            else
            {
                unrecorded.Add(new UnrecordedFlow(i, redacted, store.Explain(redacted.Request)));
            }
        }

        return new TrafficDrift(flows, unrecorded, liveIndexes);
    }

    /// <summary>One line per flow, then the diff of each drifted one: the text a failing test shows.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var flow in Flows)
        {
            var request = flow.Recorded.Request;
            var detail = flow.Differences.Count == 0 ? "" : ": " + string.Join(", ", flow.Differences);
            text.Append(flow.Verdict.ToString().ToLowerInvariant()).Append(" #").Append(flow.Index + 1).Append(' ')
                .Append(request.Method).Append(' ').Append(request.Url).Append(detail).Append('\n');
        }

        foreach (var flow in Unrecorded)
        {
            text.Append("unrecorded ").Append(flow).Append('\n');
        }

        foreach (var flow in Flows.Where(f => f.Verdict == DriftVerdict.Drifted))
        {
            text.Append('\n').Append('#').Append(flow.Index + 1).Append(' ').Append(flow.Recorded.Request.Method).Append(' ').Append(flow.Recorded.Request.Url).Append('\n')
                .Append(flow.Diff);
        }

        return text.ToString();
    }
}

/// <summary>A live request the cassette has no recording for.</summary>
/// <param name="LiveIndex">Its position in the traffic compared.</param>
/// <param name="Live">The live flow, redacted as a recording would be.</param>
/// <param name="Why">The nearest recording and what differs (<see cref="ReplayStore.Explain"/>).</param>
public sealed record UnrecordedFlow(int LiveIndex, Flow Live, string Why)
{
    /// <summary>The line a failure shows: the live request and why no recording answers it.</summary>
    public override string ToString() => $"{Live.Request.Method} {Live.Request.Url}: {Why}";
}
