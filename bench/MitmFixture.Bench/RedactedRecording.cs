using System.Diagnostics;
using System.Globalization;
using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Bench;

/// <summary>
/// Recording with redaction when every flow brings a new secret (a fresh session cookie per
/// response): each new secret must be scrubbed from the flows already written, so this is the
/// writer's worst case. Prints the time from the first append until the cassette is on disk.
/// </summary>
internal static class RedactedRecording
{
    public static void Run(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-bench-redaction-{Environment.ProcessId}.json");
        var flows = Enumerable.Range(0, count).Select(MakeFlow).ToList();
        var clock = Stopwatch.StartNew();
        var writer = CassetteWriter.Create(path);
        foreach (var flow in flows)
        {
            writer.Append(flow);
        }

        var appended = clock.Elapsed;
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        clock.Stop();
        var text = File.ReadAllText(path);
        var leaked = flows.Count(f => text.Contains(SessionOf(f), StringComparison.Ordinal));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recording {count} flows, each with a new secret: {clock.Elapsed.TotalMilliseconds:0} ms ({clock.Elapsed.TotalMilliseconds * 1000 / count:0} us per flow; appending {appended.TotalMilliseconds:0} ms), cassette {new FileInfo(path).Length / (1024.0 * 1024):0.0} MB, secrets left in it: {leaked}"));
        File.Delete(path);
    }

    private static string SessionOf(Flow flow) => flow.Response!.Headers.Get("Set-Cookie")!.Split(';')[0].Split('=')[1];

    private static Flow MakeFlow(int i)
    {
        var session = $"s{i:D6}{Convert.ToHexString(BitConverter.GetBytes(i * 7919L))}";
        var request = HttpRequest.Create("GET", $"http://127.0.0.1:18181/items/{i}", null, ("Host", "127.0.0.1:18181"), ("Accept", "application/json"));
        request.TimestampStart = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes($"{{\"id\":{i},\"description\":\"{new string('x', 300)}\"}}");
        var response = HttpResponse.Create(200, body, ("Content-Type", "application/json"), ("Set-Cookie", $"session={session}; Path=/; HttpOnly"));
        response.TimestampStart = DateTimeOffset.UtcNow;
        return new Flow(request) { Response = response };
    }
}
