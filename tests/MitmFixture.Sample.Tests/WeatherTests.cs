using MitmFixture.Xunit;
using Xunit;

namespace MitmFixture.Sample.Tests;

public sealed class WeatherTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task Forecast()
    {
        await using var cassette = await proxy.UseCassetteAsync();   // recordings/<namespace>.WeatherTests.Forecast.json
        var json = await proxy.CreateClient().GetStringAsync("https://api.example.com/forecast", TestContext.Current.CancellationToken);
        Assert.Contains("sunny", json);
        await cassette.VerifyTrafficAsync();                        // optional traffic snapshot
    }
}
