using System.Text;
using MitmFixture.Addons;
using MitmFixture.Filters;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Addons;

/// <summary>
/// The intercept addon on its own (mitmproxy's test_intercept.py), then a user's edits to a paused
/// flow through a real proxy and server.
/// </summary>
public sealed class InterceptAddonTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Hooks_NoFilter_InterceptNothing()
    {
        var addon = new InterceptAddon();
        var flow = TestFlows.TFlow(response: true);

        await addon.RequestAsync(flow, CancellationToken.None);
        await addon.ResponseAsync(flow, CancellationToken.None);

        Assert.False(flow.Intercepted);
        Assert.Null(addon.Expression);
    }

    [Fact]
    public async Task ResponseFilter_PausesAtTheResponseHookOnly_AndRaisesFlowIntercepted()
    {
        var addon = new InterceptAddon(FlowFilter.Parse("~s"));
        var raised = new List<Flow>();
        addon.FlowIntercepted += raised.Add;
        var flow = TestFlows.TFlow();

        await addon.RequestAsync(flow, CancellationToken.None);
        Assert.False(flow.Intercepted);

        flow.Respond(200, "ok");
        await addon.ResponseAsync(flow, CancellationToken.None);

        Assert.True(flow.Intercepted);
        Assert.Same(flow, Assert.Single(raised));
    }

    [Fact]
    public async Task FilterMatchingBothSides_PausesAtRequestAndAgainAtResponse()
    {
        var addon = new InterceptAddon(FlowFilter.Parse("~u /path"));
        var raised = 0;
        addon.FlowIntercepted += _ => raised++;
        var flow = TestFlows.TFlow();

        await addon.RequestAsync(flow, CancellationToken.None);
        Assert.True(flow.Intercepted);
        flow.Resume();
        flow.Respond(200, "ok");
        await addon.ResponseAsync(flow, CancellationToken.None);

        Assert.True(flow.Intercepted);
        Assert.Equal(2, raised);
    }

    [Theory]
    [InlineData(ReplayKind.Request)]
    [InlineData(ReplayKind.Response)]
    public async Task ReplayedFlow_IsNotIntercepted(ReplayKind replay)
    {
        var addon = new InterceptAddon(FlowFilter.All);
        var flow = TestFlows.TFlow(response: true).With(replay: replay);

        await addon.RequestAsync(flow, CancellationToken.None);
        await addon.ResponseAsync(flow, CancellationToken.None);

        Assert.False(flow.Intercepted);
    }

    [Fact]
    public async Task KilledFlow_IsNotIntercepted()
    {
        var addon = new InterceptAddon(FlowFilter.All);
        var flow = TestFlows.TFlow();
        flow.Kill();

        await addon.RequestAsync(flow, CancellationToken.None);

        Assert.False(flow.Intercepted);
    }

    [Fact]
    public void TrySetFilter_SetsReplacesAndClears()
    {
        var addon = new InterceptAddon();

        Assert.True(addon.TrySetFilter("~q & ~d example.com", out var error));
        Assert.Null(error);
        Assert.Equal("~q & ~d example.com", addon.Expression);
        Assert.Equal("~q & ~d example.com", addon.Filter!.Expression);

        Assert.True(addon.TrySetFilter("  ", out _));
        Assert.Null(addon.Filter);
        Assert.Null(addon.Expression);

        Assert.True(addon.TrySetFilter("~s", out _));
        Assert.True(addon.TrySetFilter(null, out _));
        Assert.Null(addon.Expression);
    }

    [Fact]
    public void TrySetFilter_InvalidExpression_KeepsTheCurrentFilterAndSaysWhy()
    {
        var addon = new InterceptAddon(FlowFilter.Parse("~q"));

        Assert.False(addon.TrySetFilter("~q & (", out var error));

        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal("~q", addon.Expression);
    }

    [Fact]
    public async Task PausedRequest_EditedMethodAndHeader_ReachTheServer()
    {
        var intercept = new InterceptAddon(FlowFilter.Parse("~q"));
        var paused = PausedFlows(intercept);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });

        var answer = harness.CreateClient().GetStringAsync($"{Upstream.HttpsUrl}/echo/edited", TestContext.Current.CancellationToken);
        var flow = await paused.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        flow.Request.Method = "OPTIONS";
        flow.Request.Headers.Set("X-Edited", "by hand");
        flow.Resume();

        var text = await answer.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.StartsWith("OPTIONS /echo/edited\n", text, StringComparison.Ordinal);
        Assert.Contains("X-Edited: by hand\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PausedResponse_EditedStatusAndBody_ReachTheClientWithTheRightLength()
    {
        var intercept = new InterceptAddon(FlowFilter.Parse("~s"));
        var paused = PausedFlows(intercept);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });

        var answer = harness.CreateClient().GetAsync($"{Upstream.HttpUrl}/echo/changed", TestContext.Current.CancellationToken);
        var flow = await paused.Task.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.StartsWith("GET /echo/changed", flow.Response!.Text, StringComparison.Ordinal);
        flow.Response.StatusCode = 418;
        flow.Response.Reason = "I'm a teapot";
        flow.Response.Body = Encoding.UTF8.GetBytes("short and stout");
        flow.Resume();

        using var response = await answer.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(418, (int)response.StatusCode);
        Assert.Equal(15, response.Content.Headers.ContentLength);
        Assert.Equal("short and stout", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ClientReplay_GoesThroughAnInterceptEverythingFilter()
    {
        var intercept = new InterceptAddon(FlowFilter.All);
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [intercept] });

        var flow = await harness.Proxy.ReplayAsync(HttpRequest.Create("GET", $"{Upstream.HttpUrl}/echo/replayed"), TestContext.Current.CancellationToken)
            .WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(200, flow.Response!.StatusCode);
        Assert.False(flow.Intercepted);
    }

    private static TaskCompletionSource<Flow> PausedFlows(InterceptAddon intercept)
    {
        var paused = new TaskCompletionSource<Flow>(TaskCreationOptions.RunContinuationsAsynchronously);
        intercept.FlowIntercepted += f => paused.TrySetResult(f);
        return paused;
    }
}
