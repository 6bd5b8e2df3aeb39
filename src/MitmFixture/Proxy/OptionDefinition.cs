namespace MitmFixture.Proxy;

/// <summary>What kind of value an option takes; the command line makes a flag of the matching shape.</summary>
public enum OptionType
{
    /// <summary><c>true</c> or <c>false</c>; flags <c>--name</c> and <c>--no-name</c>.</summary>
    Bool,

    /// <summary>One text value (a filter, a path, a mode).</summary>
    Text,

    /// <summary>Repeatable: every value given (flags, <c>--set</c>, files) is added to the list.</summary>
    List,
}

/// <summary>Which options object an option sets, and so which commands offer it as a flag.</summary>
public enum OptionGroup
{
    /// <summary><see cref="ProxyOptions"/> (and its <see cref="Http.HttpLimits"/>).</summary>
    Proxy,

    /// <summary><see cref="Addons.FeatureOptions"/>.</summary>
    Features,

    /// <summary><see cref="Replay.ServerReplayOptions"/> and the server_replay cassettes.</summary>
    ServerReplay,

    /// <summary><see cref="Cassettes.RedactionOptions"/>.</summary>
    Redaction,

    /// <summary><see cref="Replay.ClientReplayOptions"/>.</summary>
    ClientReplay,
}

/// <summary>
/// One option, declared once in <see cref="OptionRegistry"/> (mitmproxy's <c>options.py</c>): its
/// mitmproxy name and aliases, type, default, help, validation and the property it sets. The CLI
/// flags, <c>--set</c>, options files, the console's options screen and the README tables come from it.
/// </summary>
public sealed record OptionDefinition
{
    private readonly Func<ProxyConfiguration, string, ProxyConfiguration> _apply;
    private readonly Func<ProxyConfiguration, string> _show;

    internal OptionDefinition(string name, OptionType type, OptionGroup group, string help, string expected, string target, string example, Func<ProxyConfiguration, string, ProxyConfiguration> apply, Func<ProxyConfiguration, string> show)
    {
        Name = name;
        Type = type;
        Group = group;
        Help = help;
        Expected = expected;
        Target = target;
        Example = example;
        _apply = apply;
        _show = show;
    }

    /// <summary>The mitmproxy option name (<c>--set NAME=...</c>, the key in an options file).</summary>
    public string Name { get; }

    /// <summary>Other names accepted for it (mitmproxy's old names such as <c>setheaders</c>); each also makes a flag.</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>Short or legacy flags besides the ones made from the name and aliases (<c>-H</c>, <c>--kill-extra</c>).</summary>
    public IReadOnlyList<string> ExtraFlags { get; init; } = [];

    /// <summary>False for options only reachable through <c>--set</c> and files (none today; mitmproxy has many).</summary>
    public bool HasFlag { get; init; } = true;

    /// <summary>
    /// Whether changing it on a running proxy takes effect at once (the console's options screen):
    /// modify_body (its addon swaps rules) and the server replay matching options (the replay store
    /// rehashes); the others are read at start-up and need a restart.
    /// </summary>
    public bool AppliesLive
    {
        get => _appliesLive || (Group == OptionGroup.ServerReplay && Name != "server_replay");
        init => _appliesLive = value;
    }

    private readonly bool _appliesLive;

    /// <summary>The value's type, which decides how its text is parsed.</summary>
    public OptionType Type { get; }

    /// <summary>The group the option is listed under.</summary>
    public OptionGroup Group { get; }

    /// <summary>One sentence for <c>--help</c>, the console and the README.</summary>
    public string Help { get; }

    /// <summary>What a value must look like, for errors: "true or false", "a size such as 1m".</summary>
    public string Expected { get; }

    /// <summary>The property it sets, e.g. <c>FeatureOptions.Anticache</c> (two for <c>listen</c>).</summary>
    public string Target { get; }

    /// <summary>A valid value that is not the default; tests set every option to it.</summary>
    public string Example { get; }

    /// <summary>The long flag made from the name: <c>modify_headers</c> gives <c>--modify-headers</c>.</summary>
    public string Flag => FlagFor(Name);

    /// <summary>Every flag that sets it: from the name, from each alias, and the extra ones.</summary>
    public IReadOnlyList<string> Flags => HasFlag ? [Flag, .. Aliases.Select(FlagFor), .. ExtraFlags] : [];

    /// <summary>The flag that turns a boolean off (<c>--no-anticache</c>), or null.</summary>
    public string? NegativeFlag => HasFlag && Type == OptionType.Bool ? "--no-" + Flag[2..] : null;

    /// <summary>The default, as <see cref="Show"/> writes it.</summary>
    public string Default => Show(new ProxyConfiguration());

    /// <summary>
    /// The configuration with this option set to <paramref name="value"/> (a list option adds it). An
    /// empty value unsets a single-valued option that can be unset (<c>stickycookie</c>,
    /// <c>stream_large_bodies</c>, ...), on every surface, as the console's prompt and mitmproxy's
    /// <c>--set NAME=</c> do; anywhere else it is refused as not what was expected.
    /// </summary>
    /// <exception cref="FormatException">The value does not parse; the message says what was expected.</exception>
    public ProxyConfiguration Apply(ProxyConfiguration configuration, string value)
    {
        var text = value.Trim();
        return text.Length == 0 && Type == OptionType.Text && Clearer is { } unset ? unset(configuration) : _apply(configuration, text);
    }

    /// <summary>
    /// The configuration with every value in <paramref name="values"/> applied in order, as
    /// <see cref="Apply"/> would one by one; each value that does not parse adds what was expected to
    /// <paramref name="errors"/> and is left out. A list option copies its list once for all of them,
    /// not once per value: an options file of 40,000 entries took 69 s that way.
    /// </summary>
    public ProxyConfiguration ApplyAll(ProxyConfiguration configuration, IReadOnlyList<string> values, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(errors);
        if (AddItems is null || ValidateItem is null)
        {
            foreach (var value in values)
            {
                try
                {
                    configuration = Apply(configuration, value);
                }
                catch (FormatException e)
                {
                    errors.Add(e.Message);
                }
            }

            return configuration;
        }

        var valid = new List<string>(values.Count);
        foreach (var value in values)
        {
            try
            {
                valid.Add(ValidateItem(value.Trim()));
            }
            catch (FormatException e)
            {
                errors.Add(e.Message);
            }
        }

        return AddItems(configuration, valid);
    }

    /// <summary>The current value in the option's own syntax; a list's values joined by <c>", "</c>; empty when unset.</summary>
    public string Show(ProxyConfiguration configuration) => _show(configuration);

    /// <summary>The current values: a list's items, or the one value (none when unset).</summary>
    public IReadOnlyList<string> Values(ProxyConfiguration configuration) =>
        ListValues?.Invoke(configuration) ?? (Show(configuration) is { Length: > 0 } value ? [value] : []);

    /// <summary>Whether <see cref="Replace"/> accepts no value: lists (emptied), booleans (the default) and options that can be unset.</summary>
    public bool CanClear => Clearer is not null;

    /// <summary>
    /// The configuration with this option's value(s) replaced by <paramref name="values"/> (a list
    /// option takes any number, others one; none resets or unsets it): what an editor needs, where
    /// <see cref="Apply"/> adds to a list. With none it is also <c>--set NAME</c> without a value
    /// (but for a boolean, which that turns on) and a null in an options file.
    /// </summary>
    /// <exception cref="FormatException">A value does not parse, or the option cannot be left without one.</exception>
    public ProxyConfiguration Replace(ProxyConfiguration configuration, IReadOnlyList<string> values)
    {
        if (values.Count > 1 && Type != OptionType.List)
        {
            throw new FormatException($"expected one value: {Expected}");
        }

        if (Clearer is null)
        {
            return values.Count == 1 ? Apply(configuration, values[0]) : throw new FormatException($"a value is needed: expected {Expected}");
        }

        var errors = new List<string>(1);
        var replaced = ApplyAll(Clearer(configuration), values, errors);
        return errors.Count == 0 ? replaced : throw new FormatException(errors[0]);
    }

    /// <summary>Resets or unsets the option; null when it always needs a value (listen, mode).</summary>
    internal Func<ProxyConfiguration, ProxyConfiguration>? Clearer { get; init; }

    /// <summary>A list option's items.</summary>
    internal Func<ProxyConfiguration, IReadOnlyList<string>>? ListValues { get; init; }

    /// <summary>A list option's check of one value, giving the value to add; throws <see cref="FormatException"/>.</summary>
    internal Func<string, string>? ValidateItem { get; init; }

    /// <summary>A list option's items with checked values added, in one copy.</summary>
    internal Func<ProxyConfiguration, IReadOnlyList<string>, ProxyConfiguration>? AddItems { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static string FlagFor(string name) => "--" + name.Replace('_', '-');
}
