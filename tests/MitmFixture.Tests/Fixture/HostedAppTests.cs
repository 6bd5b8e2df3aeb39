using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// An ASP.NET Core app under test that calls an external API through IHttpClientFactory, wired to
/// the fixture the way a WebApplicationFactory test does it (ConfigureTestServices →
/// ConfigurePrimaryHttpMessageHandler): its outgoing calls are recorded, then replayed offline.
/// </summary>
public sealed class HostedAppTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-hosted-").FullName;

    [Fact]
    public async Task AppCallingOut_IsRecordedThenReplayedWithTheApiGone()
    {
        var api = new CountingServer();
        var apiUrl = api.Url;
        string first;
        await using (var fixture = await StartAsync(RecordMode.Record))
        {
            await using var cassette = await fixture.UseCassetteAsync("hosted");
            await using var app = await StartAppAsync(fixture, apiUrl);
            first = await new HttpClient().GetStringAsync(app.Urls.Single() + "/proxy-me", TestContext.Current.CancellationToken);
            Assert.Equal($"{apiUrl}/quote", Assert.Single(cassette.Flows).Request.Url);
        }

        await api.DisposeAsync();
        await using (var fixture = await StartAsync(RecordMode.Replay))
        {
            await using var cassette = await fixture.UseCassetteAsync("hosted");
            await using var app = await StartAppAsync(fixture, apiUrl);
            var again = await new HttpClient().GetStringAsync(app.Urls.Single() + "/proxy-me", TestContext.Current.CancellationToken);
            Assert.Equal(first, again);
            Assert.Equal("app saw: answer 1", again);
        }
    }

    private async Task<ProxyFixture> StartAsync(RecordMode mode)
    {
        var fixture = ProxyFixture.WithOptions(TestFixtureOptions.Isolated(mode, _folder));
        await fixture.InitializeAsync();
        return fixture;
    }

    private static async Task<WebApplication> StartAppAsync(ProxyFixture fixture, string apiUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient("quotes").ConfigurePrimaryHttpMessageHandler(fixture.CreateHandler); // the one line a test adds
        var app = builder.Build();
        app.MapGet("/proxy-me", async (IHttpClientFactory clients) =>
            "app saw: " + await clients.CreateClient("quotes").GetStringAsync(apiUrl + "/quote"));
        await app.StartAsync();
        return app;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
