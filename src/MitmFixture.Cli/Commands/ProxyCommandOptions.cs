using System.CommandLine;
using MitmFixture.Cli.Settings;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>The options every command that runs the proxy shares: where to listen, the mode, TLS and --set.</summary>
internal sealed class ProxyCommandOptions
{
    public Option<string> Listen { get; } = new("--listen", "-l") { Description = "Address to listen on, HOST:PORT; port 0 picks a free port.", DefaultValueFactory = _ => "127.0.0.1:8080" };

    public Option<string> Mode { get; } = new("--mode", "-m") { Description = "regular, reverse:URL or upstream:URL.", DefaultValueFactory = _ => "regular" };

    public Option<bool> SslInsecure { get; } = new("--ssl-insecure") { Description = "Do not verify server certificates." };

    public Option<string[]> Set { get; } = new("--set", "-s") { Description = "Set an option: name=value (" + string.Join(", ", ProxySettings.Known.Keys) + ")." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Do not print flows." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log connection details to stderr." };

    public void AddTo(Command command)
    {
        command.Add(Listen);
        command.Add(Mode);
        command.Add(SslInsecure);
        command.Add(Set);
        command.Add(Quiet);
        command.Add(Verbose);
    }

    /// <summary>The proxy options, or null after printing every error (the caller exits 2).</summary>
    public ProxyOptions? Build(ParseResult parse, List<string>? errors = null)
    {
        errors ??= [];
        var options = ProxySettings.Build(parse.GetValue(Listen)!, parse.GetValue(Mode)!, parse.GetValue(SslInsecure), parse.GetValue(Set) ?? [], errors);
        if (errors.Count == 0)
        {
            return options;
        }

        foreach (var error in errors)
        {
            Console.Error.WriteLine("error: " + error);
        }

        return null;
    }
}
