using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>The flow list a console shows: flows appear as they start and report when they finish, replays included.</summary>
public sealed class FlowStoreTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public void Add_RaisesFlowAdded_AndTheLimitDropsTheOldestStartedFlow()
    {
        var store = new FlowStore(limit: 2);
        var added = new List<Flow>();
        store.FlowAdded += f =>
        {
            Assert.Contains(f, store.Snapshot()); // raised outside the lock, with the flow already kept
            added.Add(f);
        };
        var flows = Enumerable.Range(0, 3).Select(i => TestFlows.Get($"http://example.com/{i}")).ToArray();

        foreach (var flow in flows)
        {
            store.Add(flow);
        }

        Assert.Equal(flows, added.ToArray());
        Assert.Equal(flows[1..], store.Snapshot().ToArray());
    }

    [Fact]
    public void Add_WithLimitZero_KeepsNothingAndRaisesNothing()
    {
        var store = new FlowStore(limit: 0);
        var raised = 0;
        store.FlowAdded += _ => raised++;

        store.Add(TestFlows.TFlow());

        Assert.Equal(0, store.Count);
        Assert.Equal(0, raised);
    }

    [Fact]
    public async Task ProxiedFlow_IsAddedBeforeItsFirstHook_ThenCompleted()
    {
        var events = new List<string>();
        var hooks = new HookLog(events);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [hooks] });
        harness.Proxy.Flows.FlowAdded += f => Log(events, $"added {f.Request.Path}");
        harness.Proxy.Flows.FlowCompleted += f => Log(events, $"completed {f.Request.Path}");

        await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/listed", TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => Snapshot(events).Count == 3);

        Assert.Equal(["added /echo/listed", "requestheaders", "completed /echo/listed"], Snapshot(events));
    }

    [Fact]
    public async Task ReplayAsync_StoresAClientReplay_AndRaisesAddedThenCompleted()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var events = new List<string>();
        harness.Proxy.Flows.FlowAdded += f => Log(events, $"added {f.Replay}");
        harness.Proxy.Flows.FlowCompleted += f => Log(events, $"completed {f.Response?.StatusCode}");

        var flow = await harness.Proxy.ReplayAsync(HttpRequest.Create("GET", $"{Upstream.HttpUrl}/echo/again"), TestContext.Current.CancellationToken);

        Assert.Equal(ReplayKind.Request, flow.Replay);
        Assert.Same(flow, Assert.Single(harness.Proxy.Flows.Snapshot()));
        Assert.Equal(["added Request", "completed 200"], Snapshot(events));
    }

    private static void Log(List<string> events, string entry)
    {
        lock (events)
        {
            events.Add(entry);
        }
    }

    private static List<string> Snapshot(List<string> events)
    {
        lock (events)
        {
            return [.. events];
        }
    }

    private sealed class HookLog(List<string> events) : ProxyAddon
    {
        public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken)
        {
            Log(events, "requestheaders");
            return default;
        }
    }
}
