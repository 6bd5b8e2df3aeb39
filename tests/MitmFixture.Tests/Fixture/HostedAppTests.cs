using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
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
/// The app serves a request on its own threads: in TestServer with PreserveExecutionContext the
/// test's execution context comes along and the fixture's handler finds the test's cassette; without
/// it, or on Kestrel's sockets, it does not, and the app is given the cassette's own handler.
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
            await using var app = await StartAppAsync(cassette.CreateHandler, apiUrl);
            first = await new HttpClient().GetStringAsync(app.Urls.Single() + "/proxy-me", TestContext.Current.CancellationToken);
            Assert.Equal($"{apiUrl}/quote", Assert.Single(cassette.Flows).Request.Url);
        }

        await api.DisposeAsync();
        await using (var fixture = await StartAsync(RecordMode.Replay))
        {
            await using var cassette = await fixture.UseCassetteAsync("hosted");
            await using var app = await StartAppAsync(cassette.CreateHandler, apiUrl);
            var again = await new HttpClient().GetStringAsync(app.Urls.Single() + "/proxy-me", TestContext.Current.CancellationToken);
            Assert.Equal(first, again);
            Assert.Equal("app saw: answer 1", again);
        }
    }

    [Fact]
    public async Task AppInTestServerPreservingTheContext_FixtureHandlerFollowsEachTestsCassette()
    {
        await using var api = new CountingServer();
        await using var fixture = await StartAsync(RecordMode.Record);
        await using var app = await StartTestServerAppAsync(fixture, api.Url, preserveExecutionContext: true); // one app for the tests, as a class fixture holds it
        using var client = app.GetTestClient();
        foreach (var name in new[] { "first", "second" })
        {
            await using var cassette = await fixture.UseCassetteAsync(name);

            Assert.StartsWith("app saw: answer", await client.GetStringAsync("/proxy-me", TestContext.Current.CancellationToken), StringComparison.Ordinal);

            Assert.Equal($"{api.Url}/quote", Assert.Single(cassette.Flows).Request.Url);
        }
    }

    [Fact]
    public async Task AppInTestServerWithoutTheContext_FixtureHandlerRefusesAndTheOpenScopeFails()
    {
        await using var api = new CountingServer();
        var fixture = await StartAsync(RecordMode.Record);
        await using var app = await StartTestServerAppAsync(fixture, api.Url, preserveExecutionContext: false); // TestServer's default
        using var client = app.GetTestClient();
        var cassette = await fixture.UseCassetteAsync("lost");

        // TestServer hands the app's exception to the client; an app on sockets would answer 500, or catch it.
        await Assert.ThrowsAsync<UnattributedRequestException>(() => client.GetAsync("/proxy-me", TestContext.Current.CancellationToken));

        Assert.Empty(cassette.Flows);
        Assert.Equal(0, api.Requests);
        var failure = await Assert.ThrowsAsync<UnattributedRequestException>(async () => await cassette.DisposeAsync());
        Assert.Contains($"GET {api.Url}/quote was sent through the fixture's client outside any test's execution context", failure.Message, StringComparison.Ordinal);
        Assert.Contains("PreserveExecutionContext", failure.Message, StringComparison.Ordinal);
        await fixture.DisposeAsync();
    }

    private async Task<ProxyFixture> StartAsync(RecordMode mode)
    {
        var fixture = ProxyFixture.WithOptions(TestFixtureOptions.Isolated(mode, _folder));
        await fixture.InitializeAsync();
        return fixture;
    }

    /// <summary>An app on Kestrel's sockets, started inside the test's scope: it is handed that scope's handler.</summary>
    private static async Task<WebApplication> StartAppAsync(Func<HttpMessageHandler> handler, string apiUrl)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        return await StartAsync(builder, handler, apiUrl);
    }

    /// <summary>An app in TestServer, as WebApplicationFactory hosts it, with the fixture's handler.</summary>
    private static async Task<WebApplication> StartTestServerAppAsync(ProxyFixture fixture, string apiUrl, bool preserveExecutionContext)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer(o => o.PreserveExecutionContext = preserveExecutionContext);
        return await StartAsync(builder, fixture.CreateHandler, apiUrl);
    }

    private static async Task<WebApplication> StartAsync(WebApplicationBuilder builder, Func<HttpMessageHandler> handler, string apiUrl)
    {
        builder.Logging.ClearProviders();
        builder.Services.AddHttpClient("quotes").ConfigurePrimaryHttpMessageHandler(handler); // the one line a test adds
        var app = builder.Build();
        app.MapGet("/proxy-me", async (IHttpClientFactory clients) =>
            "app saw: " + await clients.CreateClient("quotes").GetStringAsync(apiUrl + "/quote"));
        await app.StartAsync();
        return app;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
