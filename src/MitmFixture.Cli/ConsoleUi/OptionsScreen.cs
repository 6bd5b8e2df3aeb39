using MitmFixture.Addons.Specs;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>The options the console can change while it runs (<c>o</c>): replacement patterns, interception, view filter.</summary>
internal sealed class OptionsScreen(ConsoleApp app) : Screen(app)
{
    private static readonly KeyHelp[] Keys =
    [
        new("R", "edit the replacement patterns (modify_body): filter, regex, replacement"),
        new("i", "set the interception filter"),
        new("f", "set the view filter"),
        new("q Esc", "back"),
    ];

    public override string Title => "Options";

    public override IReadOnlyList<KeyHelp> Help => Keys;

    /// <summary>Name and current value of each option shown.</summary>
    public IReadOnlyList<(string Name, string Value)> Values
    {
        get
        {
            var backend = App.Backend;
            return
            [
                ("mode", backend.Proxy.Options.Mode.ToString()),
                ("listen", backend.Proxy.Endpoint.ToString()),
                ("intercept", backend.Intercept.Expression ?? "(off)"),
                ("view_filter", App.Flows.Filter?.Expression ?? "(none)"),
                ("modify_body", backend.Replacements.Specs.Count == 0 ? "(none)" : string.Join("  ", backend.Replacements.Specs.Select(s => s.Option))),
                ("features", backend.Features.Count == 0 ? "(none)" : string.Join(", ", backend.Features)),
            ];
        }
    }

    public override void HandleKey(ConsoleKeyInfo key)
    {
        if (key.Key == ConsoleKey.Escape)
        {
            App.Pop();
            return;
        }

        switch (ConsoleUi.Keys.Plain(key))
        {
            case 'R': EditReplacements(); break;
            case 'i': FlowListScreen.AskInterceptFilter(App); break;
            case 'f': FlowListScreen.AskViewFilter(App); break;
            case 'q': App.Pop(); break;
        }
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

            App.Events.Info($"Replacement patterns: {specs.Count}");
            return null;
        }));
    }
}
