using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;
using Xunit;

namespace MitmFixture.Sample.Tests;

// A fixture with options: derive from ProxyFixture (xunit wants one public constructor).
public sealed class ApiProxy() : ProxyFixture(new FixtureOptions
{
    Mode = RecordMode.Replay,                 // never touch the network; MITMFIXTURE_MODE still overrides it
    Features = new() { Anticache = true },    // mitmproxy's anticache
    FailOnUnusedInteractions = true,
});

public sealed class ApiProxyTests(ApiProxy proxy) : IClassFixture<ApiProxy>
{
    [Fact]
    public async Task ForecastFromASharedCassette()
    {
        await using var cassette = await proxy.UseCassetteAsync("MitmFixture.Sample.Tests.WeatherTests.Forecast");
        using var client = cassette.CreateClient();   // this cassette's own proxy port
        var json = await client.GetStringAsync("https://api.example.com/forecast", TestContext.Current.CancellationToken);
        Assert.Contains("sunny", json);
    }
}
