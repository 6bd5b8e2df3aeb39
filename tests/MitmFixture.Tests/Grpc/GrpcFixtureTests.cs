using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Tests.Fixture;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Grpc;

/// <summary>The xunit fixture with Grpc.Net.Client, as the README shows it: recorded, then replayed with the service stopped.</summary>
public sealed class GrpcFixtureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-grpc-fixture-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fixture_GrpcCalls_RecordedThenReplayedOffline()
    {
        var upstream = await H2Upstream.StartAsync(services => services.AddGrpc(), app => app.MapGrpcService<GreeterService>());
        var address = upstream.H2Url;
        try
        {
            await using var recorder = ProxyFixture.WithOptions(Options(RecordMode.Record, upstream));
            await recorder.InitializeAsync();
            await using (await recorder.UseCassetteAsync("greeter"))
            {
                Assert.Equal(Expected, await CallAsync(recorder, address));
            }
        }
        finally
        {
            await upstream.DisposeAsync();
        }

        var flows = Cassette.Load(Path.Combine(_folder, "greeter.json")).Flows;
        Assert.Equal(["/greet.Greeter/SayHello", "/greet.Greeter/Count", "/greet.Greeter/Gather", "/greet.Greeter/Chat"], flows.Select(f => f.Request.Path));
        Assert.Equal(["client", "server", "client", "server"], flows[3].Grpc!.Messages.Select(m => m.FromClient ? "client" : "server"));
        Assert.All(flows, f => Assert.Equal("0", f.Response!.Trailers!.Get("grpc-status")));

        await using var replayer = ProxyFixture.WithOptions(Options(RecordMode.Replay, null));
        await replayer.InitializeAsync();
        await using (await replayer.UseCassetteAsync("greeter"))
        {
            Assert.Equal(Expected, await CallAsync(replayer, address));
        }
    }

    private static readonly string[] Expected = ["Hello Ada", "Ada 1|Ada 2", "Hello Grace, Alan", "Hi Grace|Hi Alan"];

    private FixtureOptions Options(RecordMode mode, H2Upstream? upstream) =>
        TestFixtureOptions.Isolated(mode, _folder) with
        {
            Proxy = new ProxyOptions { UpstreamTrustedCertificates = upstream is null ? [] : [upstream.Authority] },
        };

    /// <summary>One call of each kind through the fixture's handler, wrapped in an HttpClient as the README says; the bidirectional one waits for each answer.</summary>
    private static async Task<string[]> CallAsync(ProxyFixture fixture, string address)
    {
        using var http = new HttpClient(fixture.CreateHandler());
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpClient = http });
        var client = new Greeter.GreeterClient(channel);
        var hello = await client.SayHelloAsync(new HelloRequest { Name = "Ada" }, cancellationToken: Cancel);
        var counted = new List<string>();
        using (var call = client.Count(new CountRequest { Name = "Ada", Times = 2 }, cancellationToken: Cancel))
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync(Cancel))
            {
                counted.Add(reply.Message);
            }
        }

        using var gather = client.Gather(cancellationToken: Cancel);
        await gather.RequestStream.WriteAsync(new HelloRequest { Name = "Grace" }, Cancel);
        await gather.RequestStream.WriteAsync(new HelloRequest { Name = "Alan" }, Cancel);
        await gather.RequestStream.CompleteAsync();
        var gathered = await gather;

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        limit.CancelAfter(TimeSpan.FromSeconds(20)); // a stalled ping-pong fails instead of hanging
        using var chat = client.Chat(cancellationToken: limit.Token);
        var chatted = new List<string>();
        foreach (var name in new[] { "Grace", "Alan" })
        {
            await chat.RequestStream.WriteAsync(new HelloRequest { Name = name }, limit.Token);
            Assert.True(await chat.ResponseStream.MoveNext(limit.Token));
            chatted.Add(chat.ResponseStream.Current.Message);
        }

        await chat.RequestStream.CompleteAsync();
        Assert.False(await chat.ResponseStream.MoveNext(limit.Token));
        return [hello.Message, string.Join('|', counted), gathered.Message, string.Join('|', chatted)];
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
