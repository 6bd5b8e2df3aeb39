using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;

namespace MitmFixture.Tests.Grpc;

/// <summary>Grpc.Net.Client against a Grpc.AspNetCore service through the proxy: recorded, then replayed with the service stopped.</summary>
public sealed class GrpcRecordReplayTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-grpc-").FullName;

    private string CassettePath => Path.Combine(_directory, "cassette.json");

    [Fact]
    public async Task UnaryStreamingAndFailingCalls_RecordedThenReplayedOffline_WithTheirTrailers()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (cassette, address) = await RecordAllAsync(cancel);
        Assert.Equal(3, cassette.Flows.Count);
        Assert.All(cassette.Flows, f => Assert.Equal("HTTP/2.0", f.Response!.HttpVersion));
        Assert.Equal("0", cassette.Flows[0].Response!.Trailers!.Get("grpc-status"));
        Assert.Equal("/greet.Greeter/Count", cassette.Flows[1].Request.Path);

        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });
        var replayed = await CallAllAsync(replay, address, cancel);

        Assert.Equal(["Hello Ada", "Ada 1|Ada 2|Ada 3", "NotFound: no such person"], replayed);
        Assert.All(replay.Proxy.Flows.Snapshot(), f => Assert.Equal(ReplayKind.Response, f.Replay));
    }

    // As for a live call, a replayed call's response hook runs before its end goes to the client: a
    // test that has its answer finds the flow finished (in a fixture scope's flows). The hook takes
    // 300 ms here, so a call that ended first would leave the next one to start before it finished.
    [Fact]
    public async Task ReplayedCalls_EndForTheClient_OnlyAfterTheirResponseHook()
    {
        var cancel = TestContext.Current.CancellationToken;
        var (cassette, address) = await RecordAllAsync(cancel);
        var finished = 0;
        var slowHook = new FlowHooks
        {
            OnResponse = _ =>
            {
                Thread.Sleep(300);
                Interlocked.Increment(ref finished);
            },
        };
        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon, slowHook] });

        var replayed = await CallAllAsync(replay, address, cancel);

        Assert.Equal(["Hello Ada", "Ada 1|Ada 2|Ada 3", "NotFound: no such person"], replayed);
        Assert.Equal(3, Volatile.Read(ref finished));
    }

    /// <summary>The three calls of <see cref="CallAllAsync"/>, recorded live from a Grpc.AspNetCore service that is then stopped.</summary>
    private async Task<(Cassette Cassette, string Address)> RecordAllAsync(CancellationToken cancellationToken)
    {
        var upstream = await H2Upstream.StartAsync(services => services.AddGrpc(), app => app.MapGrpcService<GreeterService>());
        var writer = CassetteWriter.Create(CassettePath);
        await using (var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] }))
        {
            var live = await CallAllAsync(recorder, upstream.H2Url, cancellationToken);
            Assert.Equal(["Hello Ada", "Ada 1|Ada 2|Ada 3", "NotFound: no such person"], live);
        }

        await writer.DisposeAsync();
        Assert.Equal(3, upstream.Requests);
        await upstream.DisposeAsync();
        return (Cassette.Load(CassettePath), upstream.H2Url);
    }

    /// <summary>A unary call, a server-streaming call and a call that fails, each answer as one line.</summary>
    private static async Task<string[]> CallAllAsync(ProxyHarness harness, string address, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(harness.Proxy.Url),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = harness.Authority.CreateValidationCallback() },
        };
        using var http = new HttpClient(handler, disposeHandler: false); // an HttpClient, not the handler: gRPC's own connection balancing would replace the proxy
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpClient = http });
        var client = new Greeter.GreeterClient(channel);

        var hello = await client.SayHelloAsync(new HelloRequest { Name = "Ada" }, cancellationToken: cancellationToken);
        var counted = new List<string>();
        using (var call = client.Count(new CountRequest { Name = "Ada", Times = 3 }, cancellationToken: cancellationToken))
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                counted.Add(reply.Message);
            }
        }

        var failure = await Assert.ThrowsAsync<RpcException>(async () => await client.SayHelloAsync(new HelloRequest { Name = "nobody" }, cancellationToken: cancellationToken));
        return [hello.Message, string.Join('|', counted), $"{failure.StatusCode}: {failure.Status.Detail}"];
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
