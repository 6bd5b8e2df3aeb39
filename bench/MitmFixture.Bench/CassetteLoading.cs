using System.Diagnostics;
using System.Globalization;
using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Bench;

/// <summary>Load time and memory of a 10,000-flow cassette, and lookup cost once loaded.</summary>
internal static class CassetteLoading
{
    public static void Run(string? outputPath)
    {
        const int count = 10_000;
        var path = outputPath ?? Path.Combine(Path.GetTempPath(), "mitmfixture-bench-10k.json");
        var flows = Enumerable.Range(0, count).Select(MakeFlow).ToList();
        var save = Stopwatch.StartNew();
        Cassette.Save(path, flows);
        save.Stop();
        flows = null;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var load = Stopwatch.StartNew();
        var cassette = Cassette.Load(path);
        var store = new ReplayStore(cassette.Flows, new ServerReplayOptions { Reuse = true });
        load.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var probe = HttpRequest.Create("GET", "http://127.0.0.1:18181/items/5000?page=2");
        var lookups = Stopwatch.StartNew();
        for (var i = 0; i < 100_000; i++)
        {
            store.TryTake(probe, out _);
        }

        lookups.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cassette of {count} flows, {new FileInfo(path).Length / (1024.0 * 1024):0.0} MB: save {save.Elapsed.TotalMilliseconds:0} ms, load + index {load.Elapsed.TotalMilliseconds:0} ms (target: under 1000 ms), managed memory held {(after - before) / (1024.0 * 1024):0.0} MB, lookup {lookups.Elapsed.TotalMilliseconds * 1000 / 100_000:0.0} us"));
        if (outputPath is null)
        {
            File.Delete(path);
        }

        GC.KeepAlive(store);
    }

    private static Flow MakeFlow(int i)
    {
        var request = HttpRequest.Create("GET", $"http://127.0.0.1:18181/items/{i}?page=2", null, ("Host", "127.0.0.1:18181"), ("Accept", "application/json"), ("User-Agent", "bench"));
        request.TimestampStart = DateTimeOffset.UtcNow;
        var body = Encoding.UTF8.GetBytes($"{{\"id\":{i},\"name\":\"item {i}\",\"tags\":[\"a\",\"b\",\"c\"],\"description\":\"{new string('x', 300)}\"}}");
        var response = HttpResponse.Create(200, body, ("Content-Type", "application/json"), ("Date", DateTimeOffset.UtcNow.ToString("r", CultureInfo.InvariantCulture)));
        response.TimestampStart = DateTimeOffset.UtcNow;
        return new Flow(request) { Response = response };
    }
}
