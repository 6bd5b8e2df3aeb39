using System.CommandLine;
using MitmFixture.Cli.Commands;

// Socket continuations run on the socket engine's thread instead of hopping to the thread pool:
// about a fifth less CPU per proxied request here (bench/RESULTS.md). Safe because nothing in the
// engine blocks a continuation (addons, logging, output and interception are asynchronous). The
// runtime reads the variable once, when the first socket is made, so it is set before anything else;
// export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 to turn it off.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var root = new RootCommand("MitmFixture: a record/replay intercepting HTTP(S) proxy for .NET test suites.")
{
    DumpCommand.Create(),
    CaCommand.Create(),
    RecordCommand.Create(),
    ReplayCommand.Create(),
    ClientReplayCommand.Create(),
    DriftCommand.Create(),
    ReportCommand.Create(),
    ConsoleCommand.Create(),
    ConvertCommand.Create(),
    CassetteUpkeepCommands.Redact(),
    CassetteUpkeepCommands.Scan(),
    CassetteUpkeepCommands.Prune(),
};
// No response files: "@FILE" is this CLI's own syntax (--proxyauth @htpasswd, modify_body's @file),
// and System.CommandLine would otherwise replace the token by the file's lines before any option sees it.
var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
// A mistyped option lands in a command's words (cassettes, a filter) rather than in the parser's errors.
var stray = new List<string>();
StrayOptions.Refuse(parsed.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value), stray);
if (parsed.Errors.Count > 0 || stray.Count > 0)
{
    // Usage errors: one line each on stderr and exit code 2 (runtime failures use 1).
    foreach (var error in parsed.Errors.Select(e => e.Message).Concat(stray))
    {
        await Console.Error.WriteLineAsync("error: " + error);
    }

    await Console.Error.WriteLineAsync("Run 'mitmfixture --help' for usage.");
    return 2;
}

// Ctrl+C and SIGTERM cancel the command, which stops the proxy and completes its cassette. The
// shutdown is bounded by the engine (sessions 5 s, the HTTP/2 front 0.5 s); System.CommandLine's
// default of 2 s would end the process in the middle of it, with exit code 130 or 143 and no
// summary, whenever a client held an HTTP/2 connection open.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) });
