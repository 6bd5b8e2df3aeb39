using System.CommandLine;
using MitmFixture.Cli.Commands;

var root = new RootCommand("MitmFixture: a record/replay intercepting HTTP(S) proxy for .NET test suites.")
{
    DumpCommand.Create(),
    CaCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
