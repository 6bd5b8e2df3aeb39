using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

[assembly: AssemblyFixture(typeof(MitmFixture.Tests.Fixture.SharedRecordingProxy))]

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// One proxy for the whole test assembly (xunit v3's AssemblyFixture), recording into a temp folder
/// from a local upstream; the SharedProxy*Tests classes below use it at the same time.
/// </summary>
public sealed class SharedRecordingProxy() : ProxyFixture(new FixtureOptions
{
    Mode = RecordMode.Record,
    CassetteFolder = Directory.CreateTempSubdirectory("mitmfixture-shared-").FullName,
    ContinuousIntegration = false,
    AcceptSnapshots = false, // free of the environment the suite runs in (TestFixtureOptions)
    ReadEnvironment = _ => null,
    Proxy = new ProxyOptions { SslInsecure = true }, // the upstream's certificate is self-signed
})
{
    private readonly TaskCompletionSource _company = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inside;

    public TestUpstream Upstream { get; private set; } = null!; // set in InitializeAsync, before any test

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Upstream = await TestUpstream.StartAsync();
    }

    /// <summary>
    /// Waits until a second test is inside its cassette too, so the tests really overlap. The runner
    /// schedules the classes among 1,700 others, so the second may start a minute after the first on a
    /// loaded machine: the wait is bounded by the suite's length, not by a guess at the scheduler.
    /// </summary>
    public async Task<bool> WaitForCompanyAsync()
    {
        if (Interlocked.Increment(ref _inside) >= 2)
        {
            _company.TrySetResult();
        }

        return await Task.WhenAny(_company.Task, Task.Delay(TimeSpan.FromMinutes(4), TestContext.Current.CancellationToken)) == _company.Task;
    }

    public void Leave() => Interlocked.Decrement(ref _inside);

    public override async ValueTask DisposeAsync()
    {
        await Upstream.DisposeAsync();
        await base.DisposeAsync();
        Directory.Delete(Options.CassetteFolder!, recursive: true);
    }
}

/// <summary>What each class sharing the proxy does: many concurrent requests (HTTP and HTTPS) and a child curl, then checks that its cassette and its output hold exactly its own.</summary>
internal static class SharedProxyScenario
{
    private const int Requests = 24;

    public static async Task RunAsync(SharedRecordingProxy proxy, string marker)
    {
        string path;
        await using (var cassette = await proxy.UseCassetteAsync())
        {
            path = cassette.Path;
            try
            {
                Assert.True(await proxy.WaitForCompanyAsync(), "no other test shared the proxy at the same time: this test needs parallel test classes");
                using var client = proxy.CreateClient();
                var calls = Enumerable.Range(0, Requests).Select(i =>
                    client.GetStringAsync($"{(i % 2 == 0 ? proxy.Upstream.HttpUrl : proxy.Upstream.HttpsUrl)}/echo/{marker}/{i}", TestContext.Current.CancellationToken));
                await Task.WhenAll(calls);

                var curl = await Curl.RunWithEnvironmentAsync(proxy.EnvironmentVariables, $"{proxy.Upstream.HttpsUrl}/echo/{marker}/curl");
                Assert.True(curl.ExitCode == 0, curl.Stderr);
            }
            finally
            {
                proxy.Leave();
            }
        }

        var recorded = Cassette.Load(path).Flows.Select(f => f.Request.Path).Order(StringComparer.Ordinal).ToList();
        var expected = Enumerable.Range(0, Requests).Select(i => $"/echo/{marker}/{i}").Append($"/echo/{marker}/curl").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, recorded);

        var output = TestContext.Current.TestOutputHelper!;
        await Eventually.TrueAsync(() => output.Output.Contains($"/echo/{marker}/curl -> 200", StringComparison.Ordinal));
        Assert.Contains($"GET {proxy.Upstream.HttpsUrl}/echo/{marker}/1 -> 200", output.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("/echo/shared-", output.Output.Replace($"/echo/{marker}/", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}

public sealed class SharedProxyFirstTests(SharedRecordingProxy proxy)
{
    [Fact]
    public Task ParallelTests_EachCassetteAndOutputHoldOnlyItsOwnFlows() => SharedProxyScenario.RunAsync(proxy, "shared-first");
}

public sealed class SharedProxySecondTests(SharedRecordingProxy proxy)
{
    [Fact]
    public Task ParallelTests_EachCassetteAndOutputHoldOnlyItsOwnFlows() => SharedProxyScenario.RunAsync(proxy, "shared-second");
}

public sealed class SharedProxyThirdTests(SharedRecordingProxy proxy)
{
    [Fact]
    public Task ParallelTests_EachCassetteAndOutputHoldOnlyItsOwnFlows() => SharedProxyScenario.RunAsync(proxy, "shared-third");
}
