using System.CommandLine;

namespace MitmFixture.Cli.Commands;

/// <summary><c>mitmfixture dump</c>: run the proxy and print one line per finished flow, like mitmdump.</summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions();
        var command = new Command("dump", "Run the proxy and print each finished flow, mitmdump-style. Stops on Ctrl+C or SIGTERM.");
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = shared.Build(parse);
            return options is null
                ? 2
                : await ProxyRunner.RunAsync(options, parse.GetValue(shared.Quiet), parse.GetValue(shared.Verbose), "Proxy", cancellationToken);
        });
        return command;
    }
}
