using BenchmarkDotNet.Attributes;
using MitmFixture.Filters;
using MitmFixture.Flows;

namespace MitmFixture.Bench;

/// <summary>
/// Filter evaluation, 100,000 matches per operation; the reported time is per flow. <see cref="Distinct"/>
/// is how many different flows they run over: 100,000 (a few hundred MB, as a long view filter
/// scans them, mostly waiting on memory) or the same 1,000 a hundred times (in cache, as a flow
/// just read is filtered on its way through the proxy).
/// </summary>
[Config(typeof(OnePassConfig))]
public class FilterMatchBenchmarks
{
    private const int Evaluations = 100_000;

    // Built once for every parameter: 100,000 flows take a few hundred MB.
    private static readonly Lazy<Flow[]> Flows = new(() => BenchFlows.Create(Evaluations));
    private Flow[] _flows = [];
    private FlowFilter _filter = FlowFilter.All;

    [Params(100_000, 1_000)]
    public int Distinct { get; set; } = Evaluations;

    [ParamsSource(nameof(Expressions))]
    public string Expression { get; set; } = "~all";

    public static IEnumerable<string> Expressions =>
    [
        "~all",
        "~q",
        "~c 404",
        "~m post",
        "~d example.com",
        "~u /v1/orders",
        "~hq 'session=0000'",
        "~bs error",
        "~d example.com & !~a & (~c 404 | ~c 500)",
    ];

    [GlobalSetup]
    public void Setup()
    {
        _flows = Flows.Value[..Distinct];
        _filter = FlowFilter.Parse(Expression);
    }

    [Benchmark(OperationsPerInvoke = Evaluations)]
    public int Match()
    {
        var matched = 0;
        for (var pass = 0; pass < Evaluations / _flows.Length; pass++)
        {
            foreach (var flow in _flows)
            {
                if (_filter.Matches(flow))
                {
                    matched++;
                }
            }
        }

        return matched;
    }
}

/// <summary>Parsing (regexes compiled included), the cost paid once per option change or console keystroke.</summary>
[Config(typeof(ShortConfig))]
public class FilterParseBenchmarks
{
    [Params(
        "~q",
        "~d example.com",
        "~u /api/v1/ & (~m post | ~m put) & !~hq 'x-debug' & ~ts json")]
    public string Expression { get; set; } = "~q";

    [Benchmark]
    public FlowFilter Parse() => FlowFilter.Parse(Expression);
}
