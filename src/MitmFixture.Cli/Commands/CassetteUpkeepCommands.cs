using System.CommandLine;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Filters;
using MitmFixture.Proxy;

namespace MitmFixture.Cli.Commands;

/// <summary>Cassette upkeep without re-recording: redact, scan (for CI) and prune.</summary>
internal static class CassetteUpkeepCommands
{
    /// <summary>
    /// The flags <c>redact</c> had before it took the shared redaction options, kept as more spellings
    /// of those options (committed CI scripts use them), on <c>redact</c> and <c>scan</c> alike.
    /// <c>--env</c> was both commands' own: a variable whose value must not stay in a cassette, which
    /// is what redact_env says.
    /// </summary>
    private static readonly (string Option, string Flag)[] OlderSpellings =
    [
        ("redact_headers", "--header"),
        ("redact_query_params", "--query"),
        ("redact_form_fields", "--form"),
        ("redact_json_fields", "--json-field"),
        ("redact_secret_fields", "--field"),
        ("redact_env", "--env"),
    ];

    public static Command Redact()
    {
        var cassettes = new Argument<string[]>("cassette") { Arity = ArgumentArity.OneOrMore, Description = "Cassettes to rewrite in place." };
        var command = new Command("redact", "Apply today's redaction rules, by the redact_* options, to existing cassettes, atomically: a secret learned in any flow is replaced in all of them.") { cassettes };
        var redaction = RedactionOptionsOf(command);
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var redactor = new Redactor(redaction.Build(parse, errors).Redaction);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            return ForEach(parse.GetValue(cassettes)!, (path, cassette) =>
            {
                if (!OutputFile.TryWrite(path, () => Cassette.SaveWithModes(path, cassette.Flows, cassette.Modes, redactor)))
                {
                    return 1;
                }

                Console.WriteLine($"{path}: {cassette.Flows.Count} flows redacted");
                return 0;
            });
        });
        return command;
    }

    public static Command Scan()
    {
        var cassettes = new Argument<string[]>("cassette") { Arity = ArgumentArity.OneOrMore, Description = "Cassettes to check." };
        var command = new Command("scan", "Fail (exit 1) when a cassette holds something that looks like a secret, or that redact with the same redact_* options would replace (a redact_env variable's value too).") { cassettes };
        var redaction = RedactionOptionsOf(command);
        command.SetAction(parse =>
        {
            var errors = new List<string>();
            var options = redaction.Build(parse, errors).Redaction;
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            // Named values are also learned (redaction replaces them by <NAME>); they are reported by name.
            var values = options.Placeholders
                .Select(p => (Name: p.Key, Value: p.Value()))
                .Where(p => p.Value is { Length: >= 4 })
                .Select(p => (p.Name, p.Value!))
                .ToList();
            // The default credential headers redact keeps (redact_defaults off) are no finding: it would leave them.
            var kept = new RedactionOptions().Headers.Where(h => !options.Headers.Contains(h, StringComparer.OrdinalIgnoreCase)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var redactor = new Redactor(options);
            var found = 0;
            var code = ForEach(parse.GetValue(cassettes)!, (path, cassette) =>
            {
                List<SecretScanner.Finding> findings;
                try
                {
                    findings = ScanOne(path, cassette, redactor, values, kept);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Never a stack trace, never a pass: the file is named, and the next one is scanned.
                    findings = [new(0, $"the cassette could not be scanned ({e.GetType().Name}); fix or re-record it, then scan again")];
                }

                foreach (var finding in findings)
                {
                    Console.WriteLine($"{path}:{finding.Line}: {finding.What}");
                    found++;
                }

                return 0;
            });
            if (code != 0)
            {
                return code;
            }

            Console.Error.WriteLine(found == 0 ? "no secrets found" : $"{found} possible secret(s) found; run 'mitmfixture redact' (with the same redact_* options) and commit again");
            return found == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>What <c>scan</c> reports of one cassette (<paramref name="path"/>, loaded as <paramref name="cassette"/>), in line order.</summary>
    private static List<SecretScanner.Finding> ScanOne(string path, Cassette cassette, Redactor redactor, IReadOnlyList<(string Name, string Value)> values, IReadOnlySet<string> kept)
    {
        var text = System.Text.Encoding.UTF8.GetString(InputFile.ReadJson(path)); // as Cassette.Load read it: a UTF-16 file without a mark is scanned as its text, not its bytes
        var learned = SecretScanner.Learn(cassette.Flows, redactor, out var unreadable);
        var findings = SecretScanner.Scan(text, values, kept).Concat(SecretScanner.ScanLearned(text, learned)).Concat(SecretScanner.ScanBase64(text, cassette.Flows, learned, values)).ToList();
        // What redact would change (a short secret in its own field, which has no forms to search
        // for; a flow it cannot read), unless a finding above already says it for that line (ScanBase64's adds where).
        var said = findings.ToLookup(f => f.Line);
        findings.AddRange(SecretScanner.ScanChanges(text, cassette.Flows, cassette.Modes, learned, unreadable)
            .Where(change => !said[change.Line].Any(f => f.What.StartsWith(change.What, StringComparison.Ordinal))));
        return [.. SecretScanner.NamedOnce(findings, values).DistinctBy(f => (f.Line, f.What)).OrderBy(f => f.Line)];
    }

    /// <summary>
    /// The redaction options exactly as <c>convert</c> takes them (flags, <c>--set</c>, <c>--options</c>,
    /// config.yaml; <c>--set</c> of another group refused), plus <see cref="OlderSpellings"/>.
    /// </summary>
    private static ProxyCommandOptions RedactionOptionsOf(Command command)
    {
        var redaction = new ProxyCommandOptions(OptionGroup.Redaction);
        foreach (var (option, flag) in OlderSpellings)
        {
            redaction.AddAlias(option, flag);
        }

        redaction.AddOptionsTo(command);
        return redaction;
    }

    public static Command Prune()
    {
        var cassette = new Argument<string>("cassette") { Description = "The cassette to rewrite in place." };
        var filter = new Argument<string[]>("filter") { Arity = ArgumentArity.OneOrMore, Description = "A filter expression: matching flows are dropped." };
        var command = new Command("prune", "Drop the flows that match a filter from a cassette, atomically.") { cassette, filter };
        command.SetAction(parse =>
        {
            var expression = string.Join(' ', parse.GetValue(filter)!);
            if (!FlowFilter.TryParse(expression, out var matcher, out var error))
            {
                Console.Error.WriteLine($"error: filter '{expression}': {error.Message}");
                return 2;
            }

            return ForEach([parse.GetValue(cassette)!], (path, loaded) =>
            {
                var kept = Enumerable.Range(0, loaded.Flows.Count).Where(i => !matcher.Matches(loaded.Flows[i])).ToList();
                if (!OutputFile.TryWrite(path, () => Cassette.SaveWithModes(path, kept.Select(i => loaded.Flows[i]), [.. kept.Select(i => loaded.Modes[i])], Redactor.None))) // already redacted when written; nothing new to find
                {
                    return 1;
                }

                Console.WriteLine($"{path}: {loaded.Flows.Count - kept.Count} of {loaded.Flows.Count} flows dropped");
                return 0;
            });
        });
        return command;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on each cassette. One that cannot be read or parsed is a usage
    /// error (exit 2, as replay, report and drift say), so for scan a 1 is only ever a finding.
    /// </summary>
    private static int ForEach(IEnumerable<string> paths, Func<string, Cassette, int> action)
    {
        foreach (var path in paths)
        {
            Cassette cassette;
            try
            {
                cassette = Cassette.Load(path);
            }
            catch (CassetteFormatException e)
            {
                return ProxyCommandOptions.Report([e.Message]);
            }

            var code = action(path, cassette);
            if (code != 0)
            {
                return code;
            }
        }

        return 0;
    }
}
