using System.CommandLine;
using MitmFixture.Addons;
using MitmFixture.Cassettes;

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
            var options = shared.Build(parse);
            if (options is null)
            {
                return 2;
            }

            CassetteWriter writer;
            try
            {
                writer = CassetteWriter.Create(parse.GetValue(output)!, Redactor.Default, options.Mode.ToString(), parse.GetValue(append));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CassetteFormatException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
                return 1;
            }

            writer.FlowFailed += (flow, e) => Console.Error.WriteLine($"error: recording {FlowUrl(flow)} failed, kept in reduced form: {e.GetType().Name}: {e.Message}");
            try
            {
                options = options with { Addons = [.. options.Addons, new RecordingAddon(writer)] };
                var code = await ProxyRunner.RunAsync(options, parse.GetValue(shared.Quiet), parse.GetValue(shared.Verbose), "Recording proxy", cancellationToken, _ => $"Recording to {writer.Path}");
                await writer.DisposeAsync();
                var failed = writer.Failures;
                await Console.Error.WriteLineAsync($"{writer.Count} flows recorded to {writer.Path}" + (failed > 0 ? $"; {failed} failed to record in full (see the errors above)" : ""));
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
}
