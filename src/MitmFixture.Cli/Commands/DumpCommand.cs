using System.CommandLine;
using Microsoft.Extensions.Logging;
using MitmFixture.Cli.Output;
using MitmFixture.Cli.Settings;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture dump</c>: run the proxy and print one line per finished flow, like mitmdump.</summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen", "-l") { Description = "Address to listen on, HOST:PORT; port 0 picks a free port.", DefaultValueFactory = _ => "127.0.0.1:8080" };
        var mode = new Option<string>("--mode", "-m") { Description = "regular, reverse:URL or upstream:URL.", DefaultValueFactory = _ => "regular" };
        var sslInsecure = new Option<bool>("--ssl-insecure", "-k") { Description = "Do not verify server certificates." };
        var set = new Option<string[]>("--set", "-s") { Description = "Set an option: name=value (" + string.Join(", ", ProxySettings.Known.Keys) + ").", AllowMultipleArgumentsPerToken = false };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Do not print flows." };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log connection details to stderr." };
        var command = new Command("dump", "Run the proxy and print each finished flow, mitmdump-style. Stops on Ctrl+C or SIGTERM.")
        {
            listen, mode, sslInsecure, set, quiet, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var options = ProxySettings.Build(parse.GetValue(listen)!, parse.GetValue(mode)!, parse.GetValue(sslInsecure), parse.GetValue(set) ?? [], errors);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync("error: " + error);
                }

                return 2;
            }

            return await RunAsync(options, parse.GetValue(quiet), parse.GetValue(verbose), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(ProxyOptions options, bool quiet, bool verbose, CancellationToken cancellationToken)
    {
        using var logging = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace) // stdout is for flows
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter(level => level >= (verbose ? LogLevel.Debug : LogLevel.Warning)));
        await using var output = LineWriter.ForStandardOutput();

        // dump keeps no flow list: each flow is printed when it finishes and then forgotten.
        options = options with { LoggerFactory = logging, FlowLimit = 0 };
        ProxyServer proxy;
        try
        {
            proxy = await ProxyServer.StartAsync(options);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidDataException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return 1;
        }

        await using (proxy)
        {
            if (!quiet)
            {
                proxy.Flows.FlowCompleted += flow => output.WriteLine(FlowLine.Format(flow));
            }

            output.WriteLine($"Proxy listening at {proxy.Url} ({options.Mode}); CA certificate: {proxy.CertificateAuthority.Directory ?? "in memory"}");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop cleanly.
            }
        }

        return 0;
    }
}
