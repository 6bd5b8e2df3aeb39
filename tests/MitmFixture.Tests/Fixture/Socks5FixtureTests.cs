using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>Issue 22: the fixture in SOCKS5 mode records through a socks5:// proxy URL and replays offline.</summary>
public sealed class Socks5FixtureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-socks-fixture-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private FixtureOptions Options(RecordMode mode) =>
        TestFixtureOptions.Isolated(mode, _folder) with { Proxy = new ProxyOptions { Mode = ProxyMode.Socks5 } };

    [Fact]
    public async Task Socks5Mode_RecordsThroughSocksUrl_ThenReplaysWithTheServerGone()
    {
        string url;
        await using (var server = new CountingServer())
        {
            url = server.Url + "/via-socks";
            await using var recorder = ProxyFixture.WithOptions(Options(RecordMode.Record));
            await recorder.InitializeAsync();
            await using (var cassette = await recorder.UseCassetteAsync("socks"))
            {
                Assert.StartsWith("socks5://", recorder.ProxyUrl.ToString(), StringComparison.Ordinal);
                Assert.Equal("answer 1", await recorder.CreateClient().GetStringAsync(url, Cancel));
            }

            Assert.Equal(1, server.Requests);
        }

        var flows = Cassette.Load(Path.Combine(_folder, "socks.json")).Flows;
        Assert.Equal(url, Assert.Single(flows).Request.Url);

        await using var replayer = ProxyFixture.WithOptions(Options(RecordMode.Replay));
        await replayer.InitializeAsync();
        await using var replay = await replayer.UseCassetteAsync("socks");
        Assert.Equal("answer 1", await replayer.CreateClient().GetStringAsync(url, Cancel));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
