using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;

namespace MitmFixture.Tests.Proxy;

public sealed class AddonHookTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task Hooks_RunInOrderForOneFlow()
    {
        var recorder = new HookRecorder();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [recorder] });

        await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/hooks", TestContext.Current.CancellationToken);
        await harness.Proxy.DisposeAsync();

        Assert.Equal(["client_connected", "requestheaders", "request", "responseheaders", "response", "client_disconnected", "done"], recorder.Hooks);
    }

    [Fact]
    public async Task AnsweringAddon_ServerIsNeverContacted()
    {
        var before = Upstream.Requests;
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [new AnsweringAddon()] });

        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpsUrl}/echo/answered", TestContext.Current.CancellationToken);

        Assert.Equal("answered by addon", text);
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task ModifyingAddon_ChangesRequestAndResponse()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [new ModifyingAddon()] });
        var client = harness.CreateClient();

        using var response = await client.GetAsync($"{Upstream.HttpUrl}/echo/original", TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/rewritten", text, StringComparison.Ordinal);
        Assert.Contains("X-Added: yes", text, StringComparison.Ordinal);
        Assert.Equal("1", response.Headers.GetValues("X-Seen-By-Proxy").Single());
    }

    [Fact]
    public async Task KillingAddon_ClosesConnectionAndRecordsKilledError()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [new KillingAddon()] });

        await Assert.ThrowsAsync<HttpRequestException>(() => harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/x", TestContext.Current.CancellationToken));

        // HttpClient retries a GET whose connection closed before any answer, so there may be several attempts.
        var flows = harness.Proxy.Flows.Snapshot();
        Assert.NotEmpty(flows);
        Assert.All(flows, f => Assert.Equal(FlowError.KilledMessage, f.Error!.Message));
    }

    [Fact]
    public async Task InterceptedFlow_WaitsUntilResumedWhileOtherClientsAreServed()
    {
        var interceptor = new InterceptingAddon();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [interceptor] });

        var parked = harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/parked", TestContext.Current.CancellationToken);
        var flow = await interceptor.Intercepted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var other = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/free", TestContext.Current.CancellationToken);
        Assert.False(parked.IsCompleted);
        flow.Resume();

        Assert.StartsWith("GET /echo/parked", await parked, StringComparison.Ordinal);
        Assert.StartsWith("GET /echo/free", other, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThrowingAddon_IsLoggedAndSkippedAndFlowProceeds()
    {
        var logs = new CapturingLoggerProvider();
        using var logging = LoggerFactory.Create(b => b.AddProvider(logs));
        var after = new FlowHooks { OnRequest = f => f.Request.Headers.Set("X-After-The-Broken-One", "ran") };
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Addons = [new ThrowingAddon(), after], LoggerFactory = logging });

        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/robust", TestContext.Current.CancellationToken);

        Assert.StartsWith("GET /echo/robust", text, StringComparison.Ordinal);
        Assert.Contains("X-After-The-Broken-One: ran", text, StringComparison.Ordinal); // skipped, not the end of the pipeline
        var failure = Assert.Single(logs.Entries, e => e.Exception is InvalidOperationException { Message: "broken addon" });
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Contains(nameof(ProxyAddon.RequestAsync), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientReplay_SendsARequestWithoutAClient()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        var flow = await harness.Proxy.ReplayAsync(HttpRequest.Create("POST", $"{Upstream.HttpsUrl}/echo/replayed", "body"u8.ToArray()), TestContext.Current.CancellationToken);

        Assert.Equal(200, flow.Response!.StatusCode);
        Assert.EndsWith("\nbody", flow.Response.Text, StringComparison.Ordinal);
        Assert.Equal(ReplayKind.Request, flow.Replay);
    }

    private sealed class HookRecorder : ProxyAddon
    {
        public List<string> Hooks { get; } = [];

        public override ValueTask ClientConnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken) => Add("client_connected");

        public override ValueTask ClientDisconnectedAsync(ClientConnectionInfo client, CancellationToken cancellationToken) => Add("client_disconnected");

        public override ValueTask RequestHeadersAsync(Flow flow, CancellationToken cancellationToken) => Add("requestheaders");

        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => Add("request");

        public override ValueTask ResponseHeadersAsync(Flow flow, CancellationToken cancellationToken) => Add("responseheaders");

        public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken) => Add("response");

        public override ValueTask ErrorAsync(Flow flow, CancellationToken cancellationToken) => Add("error");

        public override ValueTask DoneAsync() => Add("done");

        private ValueTask Add(string hook)
        {
            lock (Hooks)
            {
                Hooks.Add(hook);
            }

            return default;
        }
    }

    private sealed class AnsweringAddon : ProxyAddon
    {
        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
        {
            flow.Response = HttpResponse.Create(200, "answered by addon");
            return default;
        }

        public override bool WantsUpstreamFor(string host, int port) => false;
    }

    private sealed class ModifyingAddon : ProxyAddon
    {
        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
        {
            flow.Request.Path = "/echo/rewritten";
            flow.Request.Headers.Add("X-Added", "yes");
            return default;
        }

        public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
        {
            flow.Response!.Headers.Add("X-Seen-By-Proxy", "1");
            return default;
        }
    }

    private sealed class KillingAddon : ProxyAddon
    {
        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
        {
            flow.Kill();
            return default;
        }
    }

    private sealed class ThrowingAddon : ProxyAddon
    {
        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken) => throw new InvalidOperationException("broken addon");
    }

    private sealed class InterceptingAddon : ProxyAddon
    {
        public TaskCompletionSource<Flow> Intercepted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
        {
            if (flow.Request.Path.EndsWith("parked", StringComparison.Ordinal))
            {
                flow.Intercept();
                Intercepted.TrySetResult(flow);
            }

            return default;
        }
    }
}
