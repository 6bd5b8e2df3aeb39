using MitmFixture.Addons.Specs;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// mitmproxy's options editor (<c>o</c>): every option of <see cref="OptionRegistry"/> the console uses (<see cref="Offered"/>) with its value,
/// edited in place and validated as <c>--set</c> would. modify_body and the server replay matching
/// options apply to the running proxy at once; any other change is kept and marked "restart needed".
/// </summary>
internal sealed class OptionsScreen(ConsoleApp app) : Screen(app)
{
    public const string RestartNeeded = "(restart needed)";

    private static readonly KeyHelp[] Keys =
    [
        new("↑ ↓ j k", "move"),
        new("Enter", "edit the option: a boolean toggles, a list opens a grid, other values a prompt (empty unsets)"),
        new("R", "edit the replacement patterns (modify_body): filter, regex, replacement"),
        new("i", "set the interception filter"),
        new("f", "set the view filter"),
        new("q Esc", "back"),
    ];

    public override string Title => "Options";

    public override IReadOnlyList<KeyHelp> Help => Keys;

    /// <summary>
    /// The options the console uses: the registry's but client-replay's, which its command line offers
    /// no flag for and which would mean nothing to the running proxy.
    /// </summary>
    public static IReadOnlyList<OptionDefinition> Offered { get; } = [.. OptionRegistry.All.Where(o => o.Group != OptionGroup.ClientReplay)];

    /// <summary>The focused row of <see cref="Rows"/>.</summary>
    public int Focus { get; private set; }

    /// <summary>Every offered option: name, value, and whether the running proxy has it yet.</summary>
    public IReadOnlyList<(string Name, string Value, bool NeedsRestart)> Rows =>
        [.. Offered.Select(o => (o.Name, Display(o.Show(App.Backend.Edited)), o.Show(App.Backend.Edited) != o.Show(App.Backend.Running)))];

    /// <summary>Console settings that are not proxy options.</summary>
    public IReadOnlyList<(string Name, string Value)> Values =>
    [
        ("listening", App.Backend.Proxy.Endpoint.ToString()),
        ("intercept", App.Backend.Intercept.Expression ?? "(off)"),
        ("view_filter", App.Flows.Filter?.Expression ?? "(none)"),
    ];

    public override void HandleKey(ConsoleKeyInfo key)
    {
        switch (key.Key)
        {
            case ConsoleKey.Escape: App.Pop(); return;
            case ConsoleKey.UpArrow: Move(-1); return;
            case ConsoleKey.DownArrow: Move(1); return;
            case ConsoleKey.Enter: Edit(Offered[Focus]); return;
        }

        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'k': Move(-1); break;
            case 'j': Move(1); break;
            case 'R':
                Focus = Offered.ToList().FindIndex(o => o.Name == "modify_body"); // its row shows the result
                EditReplacements();
                break;
            case 'i': FlowListScreen.AskInterceptFilter(App); break;
            case 'f': FlowListScreen.AskViewFilter(App); break;
            case 'q': App.Pop(); break;
        }
    }

    private void Move(int delta) => Focus = Math.Clamp(Focus + delta, 0, Offered.Count - 1);

    private static string Display(string value) => value.Length == 0 ? "(unset)" : value;

    private void Edit(OptionDefinition option)
    {
        var current = option.Values(App.Backend.Edited);
        switch (option.Type)
        {
            case OptionType.Bool:
                Set(option, [option.Show(App.Backend.Edited) == "true" ? "false" : "true"]);
                break;
            case OptionType.List when option.Name == "modify_body":
                EditReplacements();
                break;
            case OptionType.List:
                App.Push(new GridEditorScreen(App, option.Name, ["Value"], current.Select(v => (IReadOnlyList<string>)[v]), rows =>
                    Set(option, [.. rows.Select(r => r[0].Trim()).Where(v => v.Length > 0)])));
                break;
            default:
                App.Ask(option.Name, current.Count > 0 ? current[0] : "", text => Set(option, text.Trim().Length == 0 ? [] : [text.Trim()]));
                break;
        }
    }

    /// <summary>Validates and keeps the new value(s), applying them to the running proxy where that is possible; the error otherwise.</summary>
    private string? Set(OptionDefinition option, IReadOnlyList<string> values)
    {
        ProxyConfiguration edited;
        try
        {
            edited = option.Replace(App.Backend.Edited, values);
        }
        catch (FormatException e)
        {
            return e.Message;
        }

        App.Backend.Edited = edited;
        if (option.AppliesLive && ApplyLive(option, edited) is { } error)
        {
            return error;
        }

        App.Events.Info(option.Show(edited) == option.Show(App.Backend.Running)
            ? $"{option.Name} = {Display(option.Show(edited))}"
            : $"{option.Name} = {Display(option.Show(edited))} {RestartNeeded}");
        return null;
    }

    private string? ApplyLive(OptionDefinition option, ProxyConfiguration edited)
    {
        var backend = App.Backend;
        if (option.Name == "modify_body")
        {
            try
            {
                backend.Replacements.Replace([.. edited.Features.ModifyBody.Select(o => ModifySpec.Parse(o, "modify_body"))]);
            }
            catch (FormatException e)
            {
                return e.Message;
            }

            backend.Running = backend.Running with { Features = backend.Running.Features with { ModifyBody = edited.Features.ModifyBody } };
        }
        else if (option.Group == OptionGroup.ServerReplay && backend.ServerReplay is { } store)
        {
            store.Options = edited.ServerReplay; // rehashes the recorded flows under the new matching rules
            backend.Running = backend.Running with { ServerReplay = edited.ServerReplay };
        }

        return null;
    }

    private void EditReplacements()
    {
        var addon = App.Backend.Replacements;
        var rows = addon.Specs.Select(s => (IReadOnlyList<string>)[s.Filter?.Expression ?? "", s.Subject, s.ReplacementSource]);
        App.Push(new GridEditorScreen(App, "Replacement patterns", ["Filter", "Regex", "Replacement"], rows, edited =>
        {
            var specs = new List<ModifySpec>();
            for (var i = 0; i < edited.Count; i++)
            {
                var row = edited[i];
                if (row.All(cell => cell.Length == 0))
                {
                    continue;
                }

                try
                {
                    var spec = ModifySpec.Create(row[0].Length == 0 ? null : row[0], row[1], row[2], "modify_body");
                    spec.SubjectRegex("modify_body"); // compile now, so a bad regex names its row
                    specs.Add(spec);
                }
                catch (FormatException e)
                {
                    return $"row {i + 1}: {e.Message}";
                }
            }

            try
            {
                addon.Replace(specs);
            }
            catch (FormatException e)
            {
                return e.Message; // a regex .NET cannot compile; the old rules stay
            }

            // The running rules are what the options list shows for modify_body.
            var options = specs.Select(s => s.Option).ToList();
            var backend = App.Backend;
            backend.Edited = backend.Edited with { Features = backend.Edited.Features with { ModifyBody = options } };
            backend.Running = backend.Running with { Features = backend.Running.Features with { ModifyBody = options } };
            App.Events.Info($"Replacement patterns: {specs.Count}");
            return null;
        }));
    }
}
