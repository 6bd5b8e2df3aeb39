using System.Diagnostics;
using MitmFixture.Xunit;
using Xunit;

[assembly: AssemblyFixture(typeof(ProxyFixture))]

namespace MitmFixture.Sample.Tests;

// One proxy for the whole test assembly, shared by test classes running in parallel: each test's
// clients, ProxyUrl and EnvironmentVariables lead to its own cassette, child processes included.
public sealed class SharedProxyTests(ProxyFixture proxy)
{
    [Fact]
    public async Task ForecastFromAChildProcess()
    {
        await using var cassette = await proxy.UseCassetteAsync("MitmFixture.Sample.Tests.WeatherTests.Forecast");
        var curl = new ProcessStartInfo("curl", ["--silent", "--fail", "https://api.example.com/forecast"]) { RedirectStandardOutput = true };
        foreach (var (name, value) in proxy.EnvironmentVariables)   // HTTPS_PROXY (this test's port), CURL_CA_BUNDLE, ...
        {
            curl.Environment[name] = value;
        }

        using var process = Process.Start(curl) ?? throw new InvalidOperationException("curl did not start");
        var json = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Contains("sunny", json);
    }
}
