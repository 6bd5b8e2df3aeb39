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
        var upstream = await H2Upstream.StartAsync(services => services.AddGrpc(), app => app.MapGrpcService<GreeterService>());
        var address = upstream.H2Url;

        var writer = CassetteWriter.Create(CassettePath);
        await using (var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] }))
        {
            var live = await CallAllAsync(recorder, address, cancel);
            Assert.Equal(["Hello Ada", "Ada 1|Ada 2|Ada 3", "NotFound: no such person"], live);
        }

        await writer.DisposeAsync();
        var requestsServed = upstream.Requests;
        await upstream.DisposeAsync();

        var cassette = Cassette.Load(CassettePath);
        Assert.Equal(3, cassette.Flows.Count);
        Assert.All(cassette.Flows, f => Assert.Equal("HTTP/2.0", f.Response!.HttpVersion));
        Assert.Equal("0", cassette.Flows[0].Response!.Trailers!.Get("grpc-status"));
        Assert.Equal("/greet.Greeter/Count", cassette.Flows[1].Request.Path);

        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });
        var replayed = await CallAllAsync(replay, address, cancel);

        Assert.Equal(["Hello Ada", "Ada 1|Ada 2|Ada 3", "NotFound: no such person"], replayed);
        Assert.All(replay.Proxy.Flows.Snapshot(), f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.Equal(3, requestsServed);
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
