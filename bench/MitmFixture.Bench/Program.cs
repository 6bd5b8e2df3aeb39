using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace MitmFixture.Bench;

/// <summary>
/// Micro-benchmarks of the engine: <c>bench/filters.sh</c>, or <c>dotnet run -c Release -- --filter '*Filter*'</c>;
/// <c>-- certs</c>, <c>-- startup</c>, <c>-- idle [connections]</c>, <c>-- allocations [requests] [--types]</c>, <c>-- h2allocations https://origin/path [seconds] [--types]</c>, <c>-- redaction [flows]</c>, <c>-- floor listen-port origin-port</c> and <c>-- cassettes [path]</c> run the plain timed certificate and cassette measurements.
/// Everything runs in process with short jobs, so a run takes a minute or two on a 2-core machine
/// instead of BenchmarkDotNet's default several.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["certs", ..])
        {
            CertificateMinting.Run();
            return;
        }

        if (args is ["startup", ..])
        {
            Startup.RunAsync().GetAwaiter().GetResult();
            return;
        }

        if (args is ["idle", .. var idle])
        {
            IdleConnections.Run(idle.Length > 0 ? int.Parse(idle[0], System.Globalization.CultureInfo.InvariantCulture) : 5000);
            return;
        }

        if (args is ["allocations", .. var count])
        {
            RequestAllocations.Run(count.Length > 0 ? int.Parse(count[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000, types: count.Contains("--types"));
            return;
        }

        if (args is ["h2allocations", var origin, .. var h2])
        {
            Http2Allocations.Run(origin, h2.Length > 0 && h2[0] != "--types" ? int.Parse(h2[0], System.Globalization.CultureInfo.InvariantCulture) : 10, types: h2.Contains("--types"));
            return;
        }

        if (args is ["redaction", .. var redaction])
        {
            RedactedRecording.Run(redaction.Length > 0 ? int.Parse(redaction[0], System.Globalization.CultureInfo.InvariantCulture) : 3000);
            return;
        }

        if (args is ["floor", var listenPort, var originPort])
        {
            FloorProxy.Run(int.Parse(listenPort, System.Globalization.CultureInfo.InvariantCulture), int.Parse(originPort, System.Globalization.CultureInfo.InvariantCulture));
            return;
        }

        if (args is ["cassettes", .. var rest])
        {
            CassetteLoading.Run(rest.Length > 0 ? rest[0] : null);
            return;
        }

        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithArtifactsPath(Path.Combine("bench", "out", "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.JoinSummary);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}

/// <summary>
/// For benchmarks whose one invocation already runs 100,000 operations: one invocation per
/// iteration, no forced GC between iterations (a full collection of a heap holding 100,000 flows
/// takes about a second, which made the run last ten minutes), and enough warm-up passes for the
/// tiered JIT to replace the regex engine's ready-to-run code (with two, matches measured 5-10x slower).
/// </summary>
public sealed class OnePassConfig : ManualConfig
{
    public OnePassConfig() =>
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithGcForce(false)
            .WithWarmupCount(8)
            .WithIterationCount(7)
            .WithLaunchCount(1));
}

/// <summary>For fast single operations: BenchmarkDotNet's short run, in process.</summary>
public sealed class ShortConfig : ManualConfig
{
    public ShortConfig() =>
        AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
}
