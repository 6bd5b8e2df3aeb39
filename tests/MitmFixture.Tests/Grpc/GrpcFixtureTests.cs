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
                Assert.Equal(["Hello Ada", "Ada 1|Ada 2"], await CallAsync(recorder, address));
            }
        }
        finally
        {
            await upstream.DisposeAsync();
        }

        var flows = Cassette.Load(Path.Combine(_folder, "greeter.json")).Flows;
        Assert.Equal(["/greet.Greeter/SayHello", "/greet.Greeter/Count"], flows.Select(f => f.Request.Path));
        Assert.All(flows, f => Assert.Equal("0", f.Response!.Trailers!.Get("grpc-status")));

        await using var replayer = ProxyFixture.WithOptions(Options(RecordMode.Replay, null));
        await replayer.InitializeAsync();
        await using (await replayer.UseCassetteAsync("greeter"))
        {
            Assert.Equal(["Hello Ada", "Ada 1|Ada 2"], await CallAsync(replayer, address));
        }
    }

    private FixtureOptions Options(RecordMode mode, H2Upstream? upstream) =>
        TestFixtureOptions.Isolated(mode, _folder) with
        {
            Proxy = new ProxyOptions { UpstreamTrustedCertificates = upstream is null ? [] : [upstream.Authority] },
        };

    /// <summary>A unary and a server-streaming call through the fixture's handler, wrapped in an HttpClient as the README says.</summary>
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

        return [hello.Message, string.Join('|', counted)];
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
