using System.Diagnostics;
using System.Net;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>HTTP/2 attacks from a raw-frame client (Debian's python3 with the h2 package) against the proxy's h2 side (Http2Front).</summary>
public sealed class Http2AbuseTests
{
    private const string Python = "/usr/bin/python3"; // the system one carries h2; a pyenv python3 on PATH may not

    [Fact]
    [Trait("Category", "Slow")]
    public async Task RapidReset_Cve2023_44487_GetsGoawayEnhanceYourCalm_AndTheProxyKeepsServing()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var upstream = await H2Upstream.StartAsync();
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Mode = ProxyMode.Reverse(upstream.H2Url), UpstreamTrustedCertificates = [upstream.Authority] });

        var clock = Stopwatch.StartNew();
        var outcome = await RunScriptAsync("h2_rapid_reset.py", cancel, "127.0.0.1", harness.Proxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "/slow/3000", "5000");

        // Kestrel refuses the excess streams with ENHANCE_YOUR_CALM and, past 20 a second, ends the
        // connection: GOAWAY ENHANCE_YOUR_CALM (11) as a rule; GOAWAY INTERNAL_ERROR (2), or a close
        // the client sees before it reads the GOAWAY, when the abort races the frame loop (seen here
        // under load). "survived N" (all 5,000 streams accepted) is the failure.
        Assert.Contains(outcome, (string[])["goaway 11", "goaway 2", "closed"]);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{harness.Proxy.Port}/echo/after") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await harness.CreateClient(useProxy: false).SendAsync(request, cancel);
        Assert.StartsWith("HTTP/2 GET /echo/after", await response.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);
    }

    private static async Task<string> RunScriptAsync(string script, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Hardening", "Scripts", script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!; // a missing interpreter throws instead
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(40));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        Assert.True(process.ExitCode == 0, await stderr);
        return (await stdout).Trim();
    }
}
