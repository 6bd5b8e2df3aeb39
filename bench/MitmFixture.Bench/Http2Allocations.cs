using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Bench;

/// <summary>
/// Managed bytes allocated and CPU time spent per proxied HTTP/2 request: h2load (nghttp2-client, a
/// separate process, so it allocates nothing here) drives an in-process proxy in reverse mode over
/// TLS with ALPN h2, in front of an h2 origin the caller runs (bench/h2.sh's nginx). Bytes come from
/// the runtime's own counter (<see cref="GC.GetTotalAllocatedBytes(bool)"/>), CPU from the process's
/// user and system time, both over the measured run only and divided by the requests h2load completed.
/// </summary>
internal static partial class Http2Allocations
{
    public static void Run(string origin, int seconds, bool types)
    {
        using var sampler = types ? new AllocationSampler() : null;
        using var ca = CertificateAuthority.CreateEphemeral();
        var target = new Uri(origin);
        var options = new ProxyOptions { ListenPort = 0, Mode = ProxyMode.Reverse(target.GetLeftPart(UriPartial.Authority)), SslInsecure = true, CertificateAuthority = ca, FlowLimit = 0 };
        var proxy = ProxyServer.StartAsync(options).GetAwaiter().GetResult();
        var url = $"https://127.0.0.1:{proxy.Port}{target.PathAndQuery}";
        try
        {
            H2Load(url, 3); // warm-up: JIT tiers, connections
            H2Load(url, 2);
            sampler?.Sampling = true;
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var bytes = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            var requests = H2Load(url, seconds);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
            process.Refresh();
            var spent = process.TotalProcessorTime - cpu;
            if (requests == 0)
            {
                Console.Error.WriteLine("h2load completed no request: is the origin up and speaking h2 over TLS?");
                return;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"h2 requests: {requests} in {seconds} s (h2load -c 16 -m 10), reverse proxy over TLS to {origin}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated per request: {allocated / (double)requests:0} bytes; gen0 collections: {GC.CollectionCount(0) - collections}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CPU per request: {spent.TotalMicroseconds / requests:0.0} us (the proxy process, user + system)"));
            foreach (var (type, ticks) in sampler?.Top(30) ?? [])
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {ticks,5} samples  {type}"));
            }
        }
        finally
        {
            proxy.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Runs h2load for <paramref name="seconds"/>; the requests it completed.</summary>
    private static long H2Load(string url, int seconds)
    {
        var start = new ProcessStartInfo("h2load", ["-c", "16", "-m", "10", "-D", seconds.ToString(CultureInfo.InvariantCulture), url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var h2load = Process.Start(start) ?? throw new InvalidOperationException("h2load did not start (apt-get install nghttp2-client)");
        var errors = h2load.StandardError.ReadToEndAsync();
        var report = h2load.StandardOutput.ReadToEnd();
        h2load.WaitForExit();
        errors.GetAwaiter().GetResult();
        return Succeeded().Match(report) is { Success: true } match ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"^requests: .*?(\d+) succeeded", RegexOptions.Multiline)]
    private static partial Regex Succeeded();
}
