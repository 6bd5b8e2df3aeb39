using System.Diagnostics;
using System.Globalization;
using MitmFixture.Tls;

namespace MitmFixture.Bench;

/// <summary>How long minting a leaf certificate for a host never seen before takes, and a cache hit.</summary>
internal static class CertificateMinting
{
    public static void Run()
    {
        using var ca = CertificateAuthority.CreateEphemeral();
        using var cache = new LeafCertificateCache(ca, TimeProvider.System);
        for (var i = 0; i < 50; i++)
        {
            cache.GetOrCreate(CertificateIdentity.ForHost($"warmup{i}.test"));
        }

        const int hosts = 500;
        var times = new double[hosts];
        for (var i = 0; i < hosts; i++)
        {
            var start = Stopwatch.GetTimestamp();
            cache.GetOrCreate(CertificateIdentity.ForHost($"host{i}.example.com"));
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        var hit = Stopwatch.GetTimestamp();
        for (var i = 0; i < 100_000; i++)
        {
            cache.GetOrCreate(CertificateIdentity.ForHost("host1.example.com"));
        }

        var hitMicros = Stopwatch.GetElapsedTime(hit).TotalMilliseconds * 1000 / 100_000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"certificate minting, {hosts} new hosts: p50 {times[hosts / 2]:0.00} ms, p99 {times[hosts * 99 / 100]:0.00} ms, max {times[^1]:0.00} ms (target: under 5 ms); cache hit {hitMicros:0.00} us"));
    }
}
