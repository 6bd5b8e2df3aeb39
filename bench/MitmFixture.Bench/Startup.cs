using System.Diagnostics;
using System.Globalization;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Bench;

/// <summary>What a test fixture pays to start: an in-memory CA and a proxy on a free port, first and then typical.</summary>
internal static class Startup
{
    public static async Task RunAsync()
    {
        var times = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var ca = CertificateAuthority.CreateEphemeral();
            await using var proxy = await ProxyServer.StartAsync(new ProxyOptions { ListenPort = 0, CertificateAuthority = ca });
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        var later = times.Skip(1).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fixture start (in-memory CA + proxy on a free port): first {times[0]:0.0} ms, then p50 {later[later.Count / 2]:0.00} ms, max {later[^1]:0.00} ms (target: well under 100 ms after the first)"));
    }
}
