using MitmFixture.Cli.Output;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>Runs a proxy until Ctrl+C or SIGTERM, printing finished flows; shared by dump, record and replay.</summary>
internal static class ProxyRunner
{
    /// <summary>Starts the proxy, or prints why it cannot start (the port is taken, say) and returns null.</summary>
    public static async Task<ProxyServer?> TryStartAsync(ProxyOptions options)
    {
        try
        {
            return await ProxyServer.StartAsync(options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return null;
        }
    }

    public static async Task<int> RunAsync(ProxyOptions options, bool quiet, bool verbose, string banner, CancellationToken cancellationToken, Func<ProxyServer, string?>? describe = null, Filters.FlowFilter? flowFilter = null, int detail = 1)
    {
        using var logging = CommandLineLog.Create(verbose);
        await using var output = LineWriter.ForStandardOutput();

        // The command line keeps no flow list: each flow is printed when it finishes and then forgotten.
        options = options with { LoggerFactory = logging, FlowLimit = 0 };
        if (await TryStartAsync(options) is not { } proxy)
        {
            return 1;
        }

        await using (proxy)
        {
            if (!quiet)
            {
                proxy.Flows.FlowCompleted += flow =>
                {
                    if (flowFilter?.Matches(flow) != false)
                    {
                        output.WriteLine(FlowDetail.Format(flow, detail));
                    }
                };
            }

            var ca = proxy.CertificateAuthority.Directory is { } directory
                ? Path.Combine(directory, Tls.CertificateAuthority.CertificatePemFileName)
                : "in memory";
            output.WriteLine($"{banner} listening at {proxy.Url} ({options.Mode}); CA certificate: {ca}");
            if (describe?.Invoke(proxy) is { } extra)
            {
                output.WriteLine(extra);
            }

            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop cleanly; disposing the proxy finishes the addons (cassettes flushed).
            }
        }

        return 0;
    }
}
