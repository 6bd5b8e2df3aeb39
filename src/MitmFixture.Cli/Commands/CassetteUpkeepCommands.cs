using System.CommandLine;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Filters;

namespace MitmFixture.Cli.Commands;

/// <summary>Cassette upkeep without re-recording: redact, scan (for CI) and prune.</summary>
internal static class CassetteUpkeepCommands
{
    public static Command Redact()
    {
        var cassettes = new Argument<string[]>("cassette") { Arity = ArgumentArity.OneOrMore, Description = "Cassettes to rewrite in place." };
        var headers = new Option<string[]>("--header") { Description = "More header names to redact (Authorization, Proxy-Authorization, Cookie and Set-Cookie always are)." };
        var query = new Option<string[]>("--query") { Description = "Query parameter names to redact." };
        var form = new Option<string[]>("--form") { Description = "Form field names to redact." };
        var json = new Option<string[]>("--json-field") { Description = "JSON body fields (paths) to redact." };
        var field = new Option<string[]>("--field") { Description = "More field names whose values are secrets in JSON (any depth), forms and queries (access_token, refresh_token, id_token, client_secret and password always are)." };
        var env = new Option<string[]>("--env") { Description = "Environment variables whose values become <NAME> placeholders." };
        var command = new Command("redact", "Apply today's redaction rules to existing cassettes, atomically: a secret learned in any flow is replaced in all of them.") { cassettes, headers, query, form, json, field, env };
        command.SetAction(parse =>
        {
            var options = new RedactionOptions
            {
                Headers = [.. new RedactionOptions().Headers, .. parse.GetValue(headers) ?? []],
                QueryParameters = parse.GetValue(query) ?? [],
                FormFields = parse.GetValue(form) ?? [],
                JsonFields = parse.GetValue(json) ?? [],
                SecretFields = [.. new RedactionOptions().SecretFields, .. parse.GetValue(field) ?? []],
            };
            foreach (var variable in parse.GetValue(env) ?? [])
            {
                options = options.WithEnvironmentVariable(variable);
            }

            var redactor = new Redactor(options);
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
        var env = new Option<string[]>("--env") { Description = "Environment variables whose values must not appear (repeatable)." };
        var command = new Command("scan", "Fail (exit 1) when a cassette holds something that looks like a secret, equals a named environment variable's value, or that redact would replace.") { cassettes, env };
        command.SetAction(parse =>
        {
            var values = (parse.GetValue(env) ?? [])
                .Select(name => (name, Environment.GetEnvironmentVariable(name)))
                .Where(p => p.Item2 is { Length: >= 4 })
                .Select(p => (p.name, p.Item2!))
                .ToList();
            var found = 0;
            var code = ForEach(parse.GetValue(cassettes)!, (path, cassette) =>
            {
                var text = System.Text.Encoding.UTF8.GetString(InputFile.ReadJson(path)); // as Cassette.Load read it: a UTF-16 file without a mark is scanned as its text, not its bytes
                var learned = SecretScanner.Learn(cassette.Flows, Redactor.Default);
                var findings = SecretScanner.Scan(text, values).Concat(SecretScanner.ScanLearned(text, learned)).Concat(SecretScanner.ScanBase64(text, cassette.Flows, learned, values)).ToList();
                // What redact would change (a short secret in its own field, which has no forms to search
                // for), unless a finding above already says it for that line (ScanBase64's adds where).
                var said = findings.ToLookup(f => f.Line);
                findings.AddRange(SecretScanner.ScanChanges(text, cassette.Flows, cassette.Modes, learned)
                    .Where(change => !said[change.Line].Any(f => f.What.StartsWith(change.What, StringComparison.Ordinal))));
                foreach (var finding in findings.DistinctBy(f => (f.Line, f.What)).OrderBy(f => f.Line))
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

            Console.Error.WriteLine(found == 0 ? "no secrets found" : $"{found} possible secret(s) found; run 'mitmfixture redact' (with --env/--header as needed) and commit again");
            return found == 0 ? 0 : 1;
        });
        return command;
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
