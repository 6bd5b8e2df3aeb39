using System.CommandLine;
using MitmFixture.Addons;
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

    public Option<string?> OptionsPath { get; } = new("--options") { Description = "A JSON file of mitmproxy option names (mode, listen, anticache, modify_headers, ...); flags add to it." };

    public Option<bool> Anticache { get; } = new("--anticache") { Description = "Strip If-None-Match and If-Modified-Since so servers always send bodies." };

    public Option<bool> Anticomp { get; } = new("--anticomp") { Description = "Ask servers for uncompressed bodies." };

    public Option<string?> ProxyAuth { get; } = new("--proxyauth") { Description = "Require proxy authentication: user:pass, @htpasswd (SHA1 entries) or any." };

    public Option<string[]> ModifyHeaders { get; } = new("--modify-headers", "--setheaders", "-H") { Description = "/filter/name/value: replace (or with an empty value remove) a header (repeatable)." };

    public Option<string[]> ModifyBody { get; } = new("--modify-body", "--replacements", "-B") { Description = "/filter/regex/replacement on decoded bodies; @file for the replacement (repeatable)." };

    public Option<string[]> MapRemote { get; } = new("--map-remote", "-M") { Description = "/filter/url-regex/replacement: send matching requests elsewhere (repeatable)." };

    public Option<string?> StickyCookie { get; } = new("--stickycookie") { Description = "Filter: requests that get the cookies servers set earlier." };

    public Option<string?> StickyAuth { get; } = new("--stickyauth") { Description = "Filter: requests that get the last Authorization header seen for their host." };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Do not print flows." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log connection details to stderr." };

    public void AddTo(Command command)
    {
        command.Add(Listen);
        command.Add(Mode);
        command.Add(SslInsecure);
        command.Add(Set);
        command.Add(OptionsPath);
        command.Add(Anticache);
        command.Add(Anticomp);
        command.Add(ProxyAuth);
        command.Add(ModifyHeaders);
        command.Add(ModifyBody);
        command.Add(MapRemote);
        command.Add(StickyCookie);
        command.Add(StickyAuth);
        command.Add(Quiet);
        command.Add(Verbose);
    }

    /// <summary>The proxy options, or null after printing every error (the caller exits 2).</summary>
    public ProxyOptions? Build(ParseResult parse, List<string>? errors = null)
    {
        errors ??= [];
        var file = parse.GetValue(OptionsPath) is { } path ? OptionsFile.Load(path, errors) : new OptionsFile();
        var listen = parse.GetResult(Listen) is { Implicit: false } || file.Listen is null ? parse.GetValue(Listen)! : file.Listen;
        var mode = parse.GetResult(Mode) is { Implicit: false } || file.Mode is null ? parse.GetValue(Mode)! : file.Mode;
        var options = ProxySettings.Build(listen, mode, parse.GetValue(SslInsecure), [.. file.Sets, .. parse.GetValue(Set) ?? []], errors);
        var features = new FeatureOptions
        {
            Anticache = parse.GetValue(Anticache) || file.Anticache,
            Anticomp = parse.GetValue(Anticomp) || file.Anticomp,
            ProxyAuth = parse.GetValue(ProxyAuth) ?? file.ProxyAuth,
            ModifyHeaders = [.. file.ModifyHeaders, .. parse.GetValue(ModifyHeaders) ?? []],
            ModifyBody = [.. file.ModifyBody, .. parse.GetValue(ModifyBody) ?? []],
            MapRemote = [.. file.MapRemote, .. parse.GetValue(MapRemote) ?? []],
            StickyCookie = parse.GetValue(StickyCookie) ?? file.StickyCookie,
            StickyAuth = parse.GetValue(StickyAuth) ?? file.StickyAuth,
        };
        var addons = features.Build(options.Mode, errors);
        if (errors.Count == 0)
        {
            return options with { Addons = [.. addons, .. options.Addons] };
        }

        foreach (var error in errors)
        {
            Console.Error.WriteLine("error: " + error);
        }

        return null;
    }
}
