using System.CommandLine;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture record -o CASSETTE</c>: run the proxy and write every finished flow to a cassette.</summary>
internal static class RecordCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var output = new Option<string>("--output", "-o") { Description = "The cassette to write (replaced if it exists).", Required = true };
        var append = new Option<bool>("--append") { Description = "Keep the cassette's flows and add to them." };
        var command = new Command("record", "Run the proxy and record every flow into a cassette, written as flows finish; Ctrl+C or SIGTERM leaves it complete.")
        {
            output, append,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var configuration = shared.Build(parse, errors);
            OutputFile.Check(parse.GetValue(output), errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            // A CA that cannot be loaded stops the command before the cassette is replaced by an empty one.
            using var authority = LoadAuthority(configuration.Proxy);
            if (authority is null)
            {
                return 1;
            }

            configuration = configuration with { Proxy = configuration.Proxy with { CertificateAuthority = authority } };
            CassetteWriter? writer = null;
            ProxyPipeline pipeline;
            try
            {
                // The writer is made only once every option is valid, so a typo never truncates a cassette.
                pipeline = ProxyPipeline.Compose(configuration, new PipelineParts
                {
                    // Written only once the proxy listens: a proxy that cannot start (port taken) leaves the cassette as it was.
                    Recording = redactor => new RecordingAddon(writer = CassetteWriter.Create(parse.GetValue(output)!, redactor, configuration.Proxy.Mode.ToString(), parse.GetValue(append), deferFirstWrite: true)),
                }, errors);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CassetteFormatException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 1;
            }

            if (writer is null)
            {
                return ProxyCommandOptions.Report(errors);
            }

            writer.FlowFailed += (flow, e) => Console.Error.WriteLine($"error: recording {FlowUrl(flow)} failed, kept in reduced form: {e.GetType().Name}: {e.Message}");
            try
            {
                var options = configuration.Proxy with { Addons = pipeline.Addons };
                var started = false;
                var code = await ProxyRunner.RunAsync(options, parse.GetValue(shared.Quiet), parse.GetValue(shared.Verbose), "Recording proxy", cancellationToken, _ =>
                {
                    started = true;
                    writer.Begin();
                    return $"Recording to {writer.Path}";
                });
                await writer.DisposeAsync();
                if (!started)
                {
                    await Console.Error.WriteLineAsync($"error: the proxy did not start, so nothing was recorded; {writer.Path} was left as it was");
                    return 1;
                }

                var failed = writer.Failures;
                if (code == 0)
                {
                    await Console.Error.WriteLineAsync($"{writer.Count} flows recorded to {writer.Path}" + (failed > 0 ? $"; {failed} failed to record in full (see the errors above)" : ""));
                }

                return failed > 0 && code == 0 ? 1 : code;
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static string FlowUrl(MitmFixture.Flows.Flow flow)
    {
        try
        {
            return flow.Request.Url;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"{flow.Request.Method} (no URL)";
        }
    }

    /// <summary>The CA from the options' folder (the command line never passes a CA object), or null after printing why not.</summary>
    private static CertificateAuthority? LoadAuthority(ProxyOptions options)
    {
        try
        {
            return CertificateAuthority.LoadOrCreate(options.CertificateDirectory, options.TimeProvider);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            return null;
        }
    }
}
