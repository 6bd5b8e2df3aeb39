using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Replay.Drift;

/// <summary>
/// The drift check: each recorded request is sent again to the live service through
/// <see cref="ClientReplayer"/> (one at a time, through the proxy's addons), with value-sourced
/// placeholders filled in first, and the live answer, redacted as a recording would be, is compared
/// with the recorded one.
/// </summary>
public static class DriftChecker
{
    /// <param name="recorded">The flows to check, in order; each keeps its index in the result.</param>
    /// <param name="send">Sends one request through the proxy's addons: <c>ProxyServer.ReplayAsync</c>.</param>
    /// <param name="redactor">Fills placeholders before sending, and redacts the live flow before comparing.</param>
    public static async Task<IReadOnlyList<FlowDrift>> RunAsync(
        IReadOnlyList<(int Index, Flow Flow)> recorded,
        Func<HttpRequest, CancellationToken, Task<Flow>> send,
        Redactor redactor,
        TrafficScrubOptions options,
        IProgress<FlowDrift>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(redactor);
        var results = new List<FlowDrift>(recorded.Count);
        var redaction = redactor.StartSession(); // cassette-wide, as the recording was: what one answer taught redacts the next flows
        var run = await ClientReplayer.RunAsync(
            recorded.Select(r => r.Flow),
            (request, token) =>
            {
                redactor.Restore(request);
                return send(request, token);
            },
            new Reporter(p =>
            {
                var (index, flow) = recorded[p.Done - 1];
                redaction.Learn(p.Latest);
                var drift = DriftComparer.Compare(index, flow, redaction.Apply(p.Latest), options);
                results.Add(drift);
                progress?.Report(drift);
            }),
            stopOnError: false,
            cancellationToken);
        return run.Flows.Count == results.Count ? results : throw new InvalidOperationException("client replay skipped a flow");
    }

    /// <summary>Synchronous progress: each flow is compared as soon as it is answered, on the replay's own thread.</summary>
    private sealed class Reporter(Action<ClientReplayProgress> report) : IProgress<ClientReplayProgress>
    {
        public void Report(ClientReplayProgress value) => report(value);
    }
}
