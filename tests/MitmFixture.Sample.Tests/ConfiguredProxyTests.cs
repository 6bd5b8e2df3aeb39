using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;
using Xunit;

namespace MitmFixture.Sample.Tests;

// The project's options file, the one `mitmfixture record --options mitmfixture.yaml` reads (copied
// to the output folder by the .csproj). Options set after it (With, with { }) win.
public sealed class ConfiguredProxy() : ProxyFixture(new FixtureOptions { Mode = RecordMode.Replay }
    .WithOptionsFile(Path.Combine(AppContext.BaseDirectory, "mitmfixture.yaml")));

public sealed class ConfiguredProxyTests(ConfiguredProxy proxy) : IClassFixture<ConfiguredProxy>
{
    [Fact]
    public async Task ForecastWithTheProjectsOptions()
    {
        Assert.True(proxy.Options.Features.Anticache);
        await using var cassette = await proxy.UseCassetteAsync("MitmFixture.Sample.Tests.WeatherTests.Forecast");
        using var client = cassette.CreateClient();
        var json = await client.GetStringAsync("https://api.example.com/forecast", TestContext.Current.CancellationToken);
        Assert.Contains("sunny", json);
    }
}
