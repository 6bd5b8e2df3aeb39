using System.CommandLine;
using System.Diagnostics;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Output;
using MitmFixture.Filters;
using MitmFixture.Proxy;
using MitmFixture.Replay;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Cli.Commands;

/// <summary>
/// <c>mitmfixture drift CASSETTE... [FILTER]</c>: send each recorded request to the live service again
/// and say which answers no longer match their recording. Exit 0 no drift, 1 drift (or a request
/// failed), 2 usage error.
/// </summary>
internal static class DriftCommand
{
    public static Command Create()
    {
        var shared = new ProxyCommandOptions(OptionGroup.Proxy, OptionGroup.Features, OptionGroup.ServerReplay, OptionGroup.Redaction);
        var inputs = new Argument<string[]>("cassettes") { Arity = ArgumentArity.OneOrMore, Description = "Cassettes to check, then optionally a filter expression choosing the flows." };
        var junit = new Option<string?>("--junit") { Description = "Write a JUnit XML report to this file." };
        var update = new Option<bool>("--update") { Description = "Rewrite drifted flows in their cassettes with the live answer (atomically, redacted as record does)." };
        var ignoreHeaders = new Option<string[]>("--ignore-header") { Description = "A response header whose value is not compared (repeatable); Date, ETag, X-Request-Id and the other snapshot defaults already are." };
        var ignoreFields = new Option<string[]>("--ignore-field") { Description = "A JSON body field path (id, meta.generated) whose value is not compared (repeatable)." };
        var command = new Command("drift", "Send each recorded request to the live service again and report answers that drifted from their recording.")
        {
            inputs, junit, update, ignoreHeaders, ignoreFields,
        };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var errors = new List<string>();
            var (paths, filter) = SplitInputs(parse.GetValue(inputs)!, errors);

            // Placeholders are filled from the environment variables --redact-env names (the option
            // registry's redact_env), and live answers are redacted with the same rules as record.
            var configuration = shared.Build(parse, errors);
            var cassettes = new List<Cassette>();
            foreach (var path in paths)
            {
                try
                {
                    cassettes.Add(ClientReplayer.Load(path, configuration.Proxy.Limits.MaxDecodedBodyBytes)); // its requests are sent again; compared with live bodies decoded within the same limit
                }
                catch (CassetteFormatException e)
                {
                    errors.Add(e.Message);
                }
            }

            if (filter is not null && cassettes.Count > 0 && !cassettes.Any(c => c.Flows.Any(filter.Matches)))
            {
                // A check that checks nothing must not pass: a misspelt cassette read as the filter did.
                errors.Add($"filter '{parse.GetValue(inputs)![^1]}' chose none of the cassettes' {cassettes.Sum(c => c.Flows.Count)} flows, so nothing would be checked (a cassette path ending in .json or .har is never read as the filter)");
            }

            OutputFile.Check(parse.GetValue(junit), errors);
            var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts(), errors);
            if (errors.Count > 0)
            {
                return ProxyCommandOptions.Report(errors);
            }

            var options = configuration.Proxy with { Addons = pipeline.Addons };
            var redactor = pipeline.Redactor;
            var scrub = new TrafficScrubOptions().ForDrift(parse.GetValue(ignoreHeaders) ?? [], parse.GetValue(ignoreFields) ?? []);
            if (await ProxyRunner.TryStartAsync(options with { ListenPort = 0, ListenHost = "127.0.0.1" }) is not { } started)
            {
                return 1;
            }

            await using var proxy = started;
            var quiet = parse.GetValue(shared.Quiet);
            var clock = Stopwatch.StartNew();
            var suites = new List<(string Cassette, IReadOnlyList<FlowDrift> Flows)>();
            foreach (var cassette in cassettes)
            {
                var chosen = cassette.Flows.Select((f, i) => (i, f)).Where(p => filter?.Matches(p.f) ?? true).ToList();
                var report = new Reporter(d =>
                {
                    if (!quiet)
                    {
                        Console.WriteLine(Line(d));
                    }
                });
                var drifts = await DriftChecker.RunAsync(chosen, proxy.ReplayAsync, redactor, scrub, report, cancellationToken);
                suites.Add((cassette.Path!, drifts)); // loaded from a path, so it has one
            }

            PrintDiffs(suites);
            var all = suites.SelectMany(s => s.Flows).ToList();
            var drifted = all.Count(d => d.Verdict == DriftVerdict.Drifted);
            var failed = all.Count(d => d.Verdict == DriftVerdict.Failed);
            Console.WriteLine($"{all.Count} flows checked: {all.Count - drifted - failed} same, {drifted} drifted, {failed} failed");
            if (parse.GetValue(junit) is { } junitPath && !OutputFile.TryWrite(junitPath, () => JUnitReport.Create(suites, clock.Elapsed).Save(junitPath)))
            {
                return 1;
            }

            if (parse.GetValue(update) && !Update(cassettes, suites, redactor))
            {
                return 1;
            }

            return drifted + failed == 0 ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// Every argument that names a file is a cassette; a last one that does not is the filter, unless
    /// it ends in .json or .har: a misspelt cassette is missing, not a filter that matches nothing.
    /// </summary>
    private static (List<string> Paths, FlowFilter? Filter) SplitInputs(string[] arguments, List<string> errors)
    {
        var paths = arguments.ToList(); // a word starting with -- was refused as an unknown option (StrayOptions, Program.cs)
        FlowFilter? filter = null;
        if (paths.Count > 1 && !File.Exists(paths[^1]) && !paths[^1].EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !paths[^1].EndsWith(".har", StringComparison.OrdinalIgnoreCase))
        {
            var expression = paths[^1];
            paths.RemoveAt(paths.Count - 1);
            if (!FlowFilter.TryParse(expression, out filter, out var error))
            {
                errors.Add($"filter '{expression}': {error.Message}");
            }
        }

        foreach (var missing in paths.Where(p => !File.Exists(p)))
        {
            errors.Add($"{missing}: no such cassette");
        }

        return (paths.Where(File.Exists).ToList(), filter);
    }

    private static string Line(FlowDrift drift)
    {
        var request = drift.Recorded.Request;
        var verdict = drift.Verdict switch
        {
            DriftVerdict.Same => "same   ",
            DriftVerdict.Drifted => "drifted",
            _ => "failed ",
        };
        var detail = drift.Differences.Count == 0 ? "" : ": " + string.Join(", ", drift.Differences);
        return $"{verdict} #{drift.Index + 1} {request.Method} {request.Url}{detail}";
    }

    private static void PrintDiffs(List<(string Cassette, IReadOnlyList<FlowDrift> Flows)> suites)
    {
        foreach (var (cassette, flows) in suites)
        {
            foreach (var drift in flows.Where(d => d.Verdict == DriftVerdict.Drifted))
            {
                Console.WriteLine();
                Console.WriteLine($"{cassette} #{drift.Index + 1} {drift.Recorded.Request.Method} {drift.Recorded.Request.Url}");
                Console.Write(drift.Diff.EndsWith('\n') ? drift.Diff : drift.Diff + "\n");
            }
        }
    }

    /// <summary>Replaces each drifted flow with its live version, cassette by cassette, each written atomically. False when one could not be written (said on stderr).</summary>
    private static bool Update(List<Cassette> cassettes, List<(string Cassette, IReadOnlyList<FlowDrift> Flows)> suites, Redactor redactor)
    {
        for (var c = 0; c < cassettes.Count; c++)
        {
            var drifted = suites[c].Flows.Where(d => d.Verdict == DriftVerdict.Drifted).ToList();
            if (drifted.Count == 0)
            {
                continue;
            }

            var flows = cassettes[c].Flows.ToList();
            foreach (var drift in drifted)
            {
                flows[drift.Index] = drift.Live;
            }

            if (!OutputFile.TryWrite(suites[c].Cassette, () => Cassette.SaveWithModes(suites[c].Cassette, flows, cassettes[c].Modes, redactor)))
            {
                return false;
            }

            Console.WriteLine($"updated {suites[c].Cassette}: flows {string.Join(", ", drifted.Select(d => "#" + (d.Index + 1)))}");
        }

        return true;
    }

    private sealed class Reporter(Action<FlowDrift> report) : IProgress<FlowDrift>
    {
        public void Report(FlowDrift value) => report(value);
    }
}
