using System.CommandLine;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// The options every command that runs the proxy shares, made from <see cref="OptionRegistry"/> as
/// mitmproxy's <c>cmdline.py</c> makes its flags: one flag per option (<c>--no-NAME</c> too for
/// booleans), <c>--set NAME=VALUE</c> for every option, <c>--options FILE</c> (JSON or YAML), and the
/// conf dir's <c>config.yaml</c>. Later sources win for single values; list values add up, in the
/// order config.yaml, --options, --set, flags; <c>--set NAME</c> alone (or a null in a file) empties a
/// list or unsets a value given before it.
/// </summary>
internal sealed class ProxyCommandOptions
{
    private readonly List<(OptionDefinition Definition, Option On, Option? Off)> _flags = [];
    private readonly OptionGroup[] _groups;

    /// <param name="groups">
    /// The groups the command uses, offered as flags and taken by <c>--set</c>; options files (shared
    /// by every command, as config.yaml is) may hold any option, and every value in them is checked.
    /// </param>
    public ProxyCommandOptions(params OptionGroup[] groups)
    {
        _groups = groups = groups.Length > 0 ? groups : [OptionGroup.Proxy, OptionGroup.Features, OptionGroup.ServerReplay, OptionGroup.Redaction];
        foreach (var definition in OptionRegistry.All.Where(o => o.HasFlag && groups.Contains(o.Group)))
        {
            var flags = definition.Flags;
            var description = $"{definition.Help} [{definition.Name}]";
            Option on = definition.Type switch
            {
                OptionType.Bool => new Option<bool>(flags[0], [.. flags.Skip(1)]) { Description = description + (definition.Default == "true" ? " (default on)" : "") },
                OptionType.List => new Option<string[]>(flags[0], [.. flags.Skip(1)]) { Description = description + " (repeatable)" },
                _ => new Option<string?>(flags[0], [.. flags.Skip(1)]) { Description = description },
            };
            Option? off = definition.NegativeFlag is { } negative
                ? new Option<bool>(negative) { Description = $"Turn off {flags[0]}.", Hidden = definition.Default == "false" }
                : null;
            _flags.Add((definition, on, off));
        }
    }

    public Option<string[]> Set { get; } = new("--set", "-s") { Description = "Set any option by its mitmproxy name: NAME=VALUE (repeatable; e.g. anticache=true, modify_headers=/~q/X-Test/1); NAME alone turns a boolean on, empties a list or unsets a value.", HelpName = "NAME=VALUE" };

    public Option<string?> OptionsPath { get; } = new("--options") { Description = "A JSON or YAML (.yaml, .yml) file of mitmproxy option names; flags and --set add to it.", HelpName = "FILE" };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Do not print flows." };

    public Option<bool> Verbose { get; } = new("--verbose", "-v") { Description = "Log connection details to stderr." };

    public void AddTo(Command command)
    {
        AddOptionsTo(command);
        command.Add(Quiet);
        command.Add(Verbose);
    }

    /// <summary>The option flags, <c>--set</c> and <c>--options</c>, without the flow printing ones (for commands that print no flows).</summary>
    public void AddOptionsTo(Command command)
    {
        foreach (var (_, on, off) in _flags)
        {
            command.Add(on);
            if (off is not null)
            {
                command.Add(off);
            }
        }

        command.Add(Set);
        command.Add(OptionsPath);
    }

    /// <summary>
    /// Adds <paramref name="alias"/> as one more spelling of option <paramref name="name"/>'s flag on
    /// this command alone: the same option object, so it sets the same value (a command's older flags).
    /// </summary>
    public void AddAlias(string name, string alias) => _flags.Single(f => f.Definition.Name == name).On.Aliases.Add(alias);

    /// <summary>
    /// The configuration the command line describes, with every problem added to <paramref name="errors"/>
    /// (the caller reports them all and exits 2). <paramref name="confHome"/> replaces the home folder
    /// for the default conf dir (tests).
    /// </summary>
    public ProxyConfiguration Build(ParseResult parse, List<string> errors, string? confHome = null)
    {
        var sets = (parse.GetValue(Set) ?? []).Select(SplitSet).ToList();
        var file = parse.GetValue(OptionsPath) is { } path ? (Path: path, Assignments: OptionsFile.Read(path, "--options " + path, errors)) : default;

        // mitmproxy reads config.yaml from the conf dir the command line names, before anything else. An
        // empty value unsets it (as for every option), so it means the default folder, never the current one.
        var confdir = Named(FlagValues(parse).LastOrDefault(f => f.Definition.Name == "confdir").Value)
            ?? Named(sets.LastOrDefault(s => s.Name == "confdir").Value)
            ?? Named(file.Assignments?.Select(a => a.Key == "confdir" && a.Values is [var folder] ? folder : null).LastOrDefault(folder => folder is not null))
            ?? Path.Combine(confHome ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".mitmfixture");
        var configuration = new ProxyConfiguration();
        var configYaml = Path.Combine(confdir, "config.yaml");
        if (File.Exists(configYaml) || Directory.Exists(configYaml)) // a folder is refused by the reader, not skipped as absent
        {
            configuration = OptionsFile.Apply(configuration, OptionsFile.Read(configYaml, configYaml, errors), configYaml, errors);
        }

        if (file.Assignments is not null)
        {
            configuration = OptionsFile.Apply(configuration, file.Assignments, "--options " + file.Path, errors);
        }

        foreach (var (name, value, text) in sets)
        {
            if (name.Length == 0)
            {
                errors.Add($"--set '{text}': expected NAME=VALUE");
            }
            else if (OptionRegistry.Find(name) is not { } option)
            {
                errors.Add($"--set {name}: unknown option; known: {OptionRegistry.KnownNames}");
            }
            else if (!_groups.Contains(option.Group))
            {
                // As its flag is not offered here: the command would take it and do nothing with it.
                errors.Add($"--set {text}: {option.Name} applies to {CommandsOf(option.Group)} only");
            }
            else
            {
                try
                {
                    // mitmproxy's --set NAME without a value: a boolean is turned on, a list emptied and an
                    // optional value unset, so what config.yaml or an options file set can be taken back.
                    configuration = value is not null ? option.Apply(configuration, value)
                        : option.Type == OptionType.Bool ? option.Apply(configuration, "true")
                        : option.Replace(configuration, []);
                }
                catch (FormatException e)
                {
                    errors.Add($"--set {text}: {e.Message}"); // each parser says what it expected
                }
            }
        }

        foreach (var (definition, value, flag) in FlagValues(parse))
        {
            if (!OptionRegistry.TryApply(ref configuration, definition.Name, value, out var error))
            {
                errors.Add($"{flag} '{value}': {error}");
            }
        }

        errors.AddRange(configuration.Proxy.Validate());
        return configuration;
    }

    /// <summary>Prints every error, one line each, and returns the usage-error exit code.</summary>
    public static int Report(IEnumerable<string> errors)
    {
        foreach (var error in errors)
        {
            Console.Error.WriteLine("error: " + error);
        }

        return 2;
    }

    /// <summary>The values given as flags, in registry order: a boolean's flag gives true, its --no- flag false, a list each of its values.</summary>
    private IEnumerable<(OptionDefinition Definition, string Value, string Flag)> FlagValues(ParseResult parse)
    {
        foreach (var (definition, on, off) in _flags)
        {
            if (parse.GetResult(on) is { Implicit: false })
            {
                switch (on)
                {
                    case Option<bool> flag:
                        yield return (definition, parse.GetValue(flag) ? "true" : "false", definition.Flag);
                        break;
                    case Option<string[]> list:
                        foreach (var value in parse.GetValue(list) ?? [])
                        {
                            yield return (definition, value, definition.Flag);
                        }

                        break;
                    case Option<string?> text when parse.GetValue(text) is { } value:
                        yield return (definition, value, definition.Flag);
                        break;
                }
            }

            if (off is Option<bool> negative && parse.GetResult(negative) is { Implicit: false } && parse.GetValue(negative))
            {
                yield return (definition, "false", definition.NegativeFlag!); // off exists only when there is a negative flag
            }
        }
    }

    /// <summary>The commands that use a group no other command offers.</summary>
    private static string CommandsOf(OptionGroup group) => group == OptionGroup.ClientReplay ? "client-replay" : "the commands that run the proxy";

    /// <summary><c>NAME=VALUE</c>; a bare <c>NAME</c> (mitmproxy allows it for booleans) has no value.</summary>
    private static (string Name, string? Value, string Text) SplitSet(string text)
    {
        var equals = text.IndexOf('=');
        return equals < 0 ? (text.Trim(), null, text) : (text[..equals].Trim(), text[(equals + 1)..].Trim(), text);
    }

    private static string? Named(string? folder) => string.IsNullOrWhiteSpace(folder) ? null : folder;
}
