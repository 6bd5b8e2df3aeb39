using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>Progress of a client replay run, reported after each flow.</summary>
public readonly record struct ClientReplayProgress(int Done, int Total, Flow Latest);

/// <summary>What a client replay run produced: the new flows, in order, and how many failed.</summary>
public sealed record ClientReplayResult(IReadOnlyList<Flow> Flows, int Failed, bool Stopped);

/// <summary>
/// Client-side replay (the seed's "Client-side replay"): sends recorded requests to their servers
/// one by one, waiting for each response before the next, and records the new flows. A failure
/// belongs to its flow and does not stop the run unless <c>stopOnError</c> says so.
/// </summary>
public static class ClientReplayer
{
    /// <summary>
    /// Reads a cassette whose requests are to be sent again (client replay, drift) as
    /// <see cref="Cassette.Load(string, long)"/> does, and refuses one holding a request client replay
    /// must not send: a CONNECT, the HTTP/2 preface (<c>PRI</c>) or an h2c upgrade (<c>Upgrade: h2c</c>,
    /// <c>HTTP2-Settings</c>), naming the file, line and why.
    /// </summary>
    /// <exception cref="CassetteFormatException">The cassette cannot be read, or holds such a request.</exception>
    public static Cassette Load(string path, long maxDecodedBodyBytes) =>
        Cassette.Load(path, maxDecodedBodyBytes, static (flow, at) =>
        {
            if (ResendableRequest.Problem(flow.Request) is { } problem)
            {
                throw new CassetteFormatException($"{at}.request.{problem.Field}", problem.Reason);
            }
        });

    /// <param name="send">Sends one request through the proxy's addons: <c>ProxyServer.ReplayAsync</c>.</param>
    public static async Task<ClientReplayResult> RunAsync(
        IEnumerable<Flow> recorded,
        Func<HttpRequest, CancellationToken, Task<Flow>> send,
        IProgress<ClientReplayProgress>? progress = null,
        bool stopOnError = false,
        CancellationToken cancellationToken = default)
    {
        var requests = recorded.Select(f => f.Request).ToList();
        var results = new List<Flow>(requests.Count);
        var failed = 0;
        foreach (var original in requests)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var request = original.Clone();
            request.TimestampStart = null;
            request.TimestampEnd = null;
            var flow = await send(request, cancellationToken);
            results.Add(flow);
            if (flow.Error is not null || flow.Response is null)
            {
                failed++;
            }

            progress?.Report(new ClientReplayProgress(results.Count, requests.Count, flow));
            if (stopOnError && flow.Error is not null)
            {
                return new ClientReplayResult(results, failed, Stopped: true);
            }
        }

        return new ClientReplayResult(results, failed, Stopped: false);
    }
}
