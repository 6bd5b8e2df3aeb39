using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace MitmFixture.Bench;

/// <summary>
/// Which types the allocations are, from the runtime's AllocationTick events (one per about
/// 100 KB allocated, naming the type of the object that crossed the line): a sample, so types
/// show in proportion to the bytes they take.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, int> _ticks = new();

    public bool Sampling { get; set; }

    public IEnumerable<(string Type, int Ticks)> Top(int count) =>
        _ticks.OrderByDescending(p => p.Value).Take(count).Select(p => (p.Key, p.Value));

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (Sampling && e.EventName is { } name && name.StartsWith("GCAllocationTick", StringComparison.Ordinal) && e.Payload is { } payload && e.PayloadNames is { } names)
        {
            var type = payload[names.IndexOf("TypeName")] as string ?? "?";
            _ticks.AddOrUpdate(type, 1, (_, n) => n + 1);
        }
    }
}
