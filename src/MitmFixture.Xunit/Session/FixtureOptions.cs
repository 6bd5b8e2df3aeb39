using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Replay;
using MitmFixture.Replay.Drift;

namespace MitmFixture.Xunit.Session;

/// <summary>Everything the fixture can be told; every property's doc states its default.</summary>
public sealed record FixtureOptions
{
    /// <summary>Record, Replay, Auto, Passthrough or Drift. Default Auto; overridden by MITMFIXTURE_MODE or -p:MitmFixtureMode.</summary>
    public RecordMode Mode { get; init; } = RecordMode.Auto;

    /// <summary>Where cassettes live. Default: <c>recordings/</c> beside the test project.</summary>
    public string? CassetteFolder { get; init; }

    /// <summary>Where <c>.verified.json</c> snapshots live. Default: <c>snapshots/</c> beside the test project.</summary>
    public string? SnapshotFolder { get; init; }

    /// <summary>Server replay matching and refresh (mitmproxy's server_replay_* options). Default: mitmproxy's defaults. <c>Extra</c> and <c>KillExtra</c> are the fixture's to decide (an unmatched request gets a 500 and fails the test): set, they fail the fixture's start.</summary>
    public ServerReplayOptions Replay { get; init; } = new();

    /// <summary>What is kept out of cassettes, cassette-wide. Default: Authorization, Proxy-Authorization, Cookie, Set-Cookie, common API key headers (X-Api-Key and others) and the OAuth token fields (see <see cref="RedactionOptions"/>).</summary>
    public RedactionOptions Redaction { get; init; } = new();

    /// <summary>What Drift mode ignores when it compares live answers with the cassette. Default: the traffic snapshot rules plus Transfer-Encoding and Content-Encoding.</summary>
    public TrafficScrubOptions DriftScrubbing { get; init; } = new TrafficScrubOptions().ForDrift([], []);

    /// <summary>Fail a test whose cassette holds recorded requests it no longer makes. Default false.</summary>
    public bool FailOnUnusedInteractions { get; init; }

    /// <summary>When a test's traffic report (an HTML page of its flows, failing ones marked with why) is written. Default OnFailure; the failure message names its path.</summary>
    public TrafficReportPolicy TrafficReport { get; init; } = TrafficReportPolicy.OnFailure;

    /// <summary>Where traffic reports go, one page per test and cassette (<c>&lt;Test&gt;--&lt;cassette&gt;.html</c>, or <c>&lt;Test&gt;.html</c> for a cassette named after its test). Default: <c>TestResults/mitmfixture/</c> beside the test project.</summary>
    public string? ReportFolder { get; init; }

    /// <summary>Cassettes older than this get <see cref="StaleCassettePolicy"/>. Default: no limit.</summary>
    public TimeSpan? MaxCassetteAge { get; init; }

    /// <summary>What an old cassette gets. Default Warn.</summary>
    public StaleCassettePolicy StaleCassettePolicy { get; init; } = StaleCassettePolicy.Warn;

    /// <summary>anticache, anticomp, proxyauth, modify_headers, modify_body, map_remote, stickycookie, stickyauth (mitmproxy syntax). Default: all off.</summary>
    public FeatureOptions Features { get; init; } = new();

    /// <summary>Extra addons (the counterpart of mitmproxy scripts), run before replay and recording.</summary>
    public IReadOnlyList<ProxyAddon> Addons { get; init; } = [];

    /// <summary>Engine options: mode, streaming, TLS, ignore_hosts, limits. Default: <see cref="ProxyOptions"/>' defaults. The listen address, conf dir, CA and addons are the fixture's to choose (give addons to <see cref="FixtureOptions.Addons"/>): set, they fail the fixture's start.</summary>
    public ProxyOptions Proxy { get; init; } = new();

    /// <summary>
    /// Whether this is a CI run, where Auto never records. Default: the CI environment variable is set to
    /// anything but false or 0, or, without CI, a build server's own variable is (TF_BUILD for Azure
    /// Pipelines, JENKINS_URL, TEAMCITY_VERSION, CODEBUILD_BUILD_ID).
    /// </summary>
    public bool ContinuousIntegration { get; init; } = EnvironmentSwitches.ContinuousIntegration(Environment.GetEnvironmentVariable) is not null;

    /// <summary>The proxy log level written to the running test's output. Default Information (each flow, errors).</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Where the mode overrides (MITMFIXTURE_MODE and the run's MitmFixtureMode property) and the MITMFIXTURE_ACCEPT and MITMFIXTURE_DIFFTOOL switches are read; a seam so a test of the fixture can run free of the developer's or CI's environment.</summary>
    internal Func<string, string?> ReadEnvironment { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>
    /// On a snapshot mismatch, open the user's diff tool on received vs verified (DiffEngine, as
    /// Verify does); never when <see cref="ContinuousIntegration"/>. Default: the MITMFIXTURE_DIFFTOOL
    /// environment variable is 1 or true (any case; another value than those, 0 or false is refused).
    /// </summary>
    public bool OpenDiffTool { get => _openDiffTool ?? EnvironmentSwitches.IsOn(EnvironmentSwitches.DiffTool, ReadEnvironment); init => _openDiffTool = value; }

    // Set in code, or null: the environment is read where the option is (the fixture's start and scopes),
    // so a bad value there fails the fixture as its other start-up problems do, and code can override it.
    private readonly bool? _openDiffTool;
    private readonly bool? _acceptSnapshots;
    private readonly bool? _acceptDrift;

    /// <summary>
    /// The options above as the engine's <see cref="ProxyConfiguration"/>, the value every surface
    /// (command line, options files, fixture) fills in: <see cref="Proxy"/>, <see cref="Features"/>,
    /// <see cref="Replay"/> and <see cref="Redaction"/> are its objects.
    /// </summary>
    public ProxyConfiguration Configuration => new() { Proxy = Proxy, Features = Features, ServerReplay = Replay, Redaction = Redaction };

    /// <summary>
    /// These options with one set by its mitmproxy name, as <c>--set NAME=VALUE</c> does
    /// (<c>new FixtureOptions().With("anticache", "true")</c>); a list option adds the value, and an
    /// empty value unsets an option that can be unset.
    /// </summary>
    /// <exception cref="ArgumentException">The name is unknown or the value does not parse; the message says why.</exception>
    public FixtureOptions With(string name, string value)
    {
        if (OptionRegistry.Find(name) is { } option && NotFixtureOptions.TryGetValue(option.Name, out var why))
        {
            throw new ArgumentException($"{name}: not a fixture option: {why}", nameof(name));
        }

        var configuration = Configuration;
        if (!OptionRegistry.TryApply(ref configuration, name, value, out var error))
        {
            throw new ArgumentException($"{name}={value}: {error}", nameof(name));
        }

        return WithConfiguration(configuration);
    }

    /// <summary>
    /// These options with every entry of an options file applied in file order: the file
    /// <c>mitmfixture --options FILE</c> takes, read by the same reader
    /// (<see cref="OptionsFile.ApplyFile"/>), so a project keeps one file for its proxy and its tests
    /// (<c>new FixtureOptions().WithOptionsFile("mitmfixture.yaml")</c>). A YAML mapping
    /// (<c>.yaml</c>/<c>.yml</c>) or a JSON object (anything else; comments and trailing commas allowed)
    /// of mitmproxy option names; a null value sets an option back. A relative path resolves against
    /// the current directory, as the CLI's does; under <c>dotnet test</c> that is the test project's
    /// output folder, so copy the file there (<c>&lt;None Update="mitmfixture.yaml"
    /// CopyToOutputDirectory="PreserveNewest" /&gt;</c>) or give a full path. Options the fixture
    /// decides itself (listen address, conf dir, server replay, its unmatched handling) and other
    /// commands' options (client_replay_stop_on_error) are checked and left alone, as a command leaves
    /// another's in a shared file: the file may be the command line's too (<see cref="With"/> and the
    /// typed properties refuse them, being code written for the fixture). Only the file given is read: never <c>~/.mitmfixture/config.yaml</c>,
    /// so a test runs the same on every machine. Options set before are kept unless the file sets them
    /// (a list in the file adds to the values before it, as <c>--options</c> adds to config.yaml's; a
    /// null takes them back); options set after (<see cref="With"/>, <c>with { }</c>) win.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The file cannot be read or parsed, or an entry is unknown or has a bad value; the message
    /// lists every problem, one a line, as <c>FILE:LINE: "key": why</c> with the file's full path.
    /// </exception>
    public FixtureOptions WithOptionsFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var errors = new List<string>();
        var before = Configuration;
        var configuration = OptionsFile.ApplyFile(before, path, errors); // every entry checked
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join('\n', errors), nameof(path));
        }

        foreach (var name in NotFixtureOptions.Keys)
        {
            if (OptionRegistry.Find(name) is { } option)
            {
                configuration = option.Replace(configuration, option.Values(before)); // left as they were
            }
        }

        return WithConfiguration(configuration);
    }

    private FixtureOptions WithConfiguration(ProxyConfiguration configuration) =>
        this with { Proxy = configuration.Proxy, Features = configuration.Features, Replay = configuration.ServerReplay, Redaction = configuration.Redaction };

    /// <summary>
    /// Options the fixture decides itself (listen address, CA, the cassette, what an unmatched request
    /// gets) or that belong to other commands, with why: refused by <see cref="With"/> and
    /// <see cref="WithOptionsFile"/>, and given
    /// through the typed properties, refused when the fixture starts (<see cref="Problems"/>).
    /// </summary>
    private static readonly Dictionary<string, string> NotFixtureOptions = new()
    {
        ["listen"] = "the fixture listens on a free loopback port",
        ["listen_host"] = "the fixture listens on loopback",
        ["listen_port"] = "the fixture picks a free port",
        ["confdir"] = "the fixture makes an in-memory CA and reads no config.yaml",
        ["server_replay"] = "the fixture replays each test's own cassette",
        ["server_replay_extra"] = UnmatchedIsTheFixtures,
        ["server_replay_kill_extra"] = UnmatchedIsTheFixtures,
        ["client_replay_stop_on_error"] = "client replay is a command, not a fixture feature",
    };

    private const string UnmatchedIsTheFixtures = "a request the cassette cannot answer gets a 500 naming the nearest recording and fails the test";

    /// <summary>
    /// What in these options the fixture would not honour: an option of <see cref="NotFixtureOptions"/>
    /// given through a typed property (<c>Proxy = new() { ListenPort = 9000 }</c>, <c>Replay = new() {
    /// KillExtra = true }</c>), and the engine's own pipeline and CA, which the fixture makes. Each was
    /// overridden without a word; the fixture's start now fails naming it, as <see cref="With"/> does.
    /// </summary>
    internal IReadOnlyList<string> Problems()
    {
        var configuration = Configuration;
        var problems = new List<string>();
        foreach (var (name, why) in NotFixtureOptions)
        {
            if (OptionRegistry.Find(name) is { } option && option.Show(configuration) != option.Default)
            {
                problems.Add($"{name} ({option.Target} = {option.Show(configuration)}): not a fixture option: {why}");
            }
        }

        if (Proxy.Addons.Count > 0)
        {
            problems.Add("ProxyOptions.Addons: not a fixture option: the fixture composes the pipeline; give your addons to FixtureOptions.Addons");
        }

        if (Proxy.CertificateAuthority is not null)
        {
            problems.Add("ProxyOptions.CertificateAuthority: not a fixture option: the fixture makes an in-memory CA of its own");
        }

        foreach (var read in new Func<bool>[] { () => OpenDiffTool, () => AcceptSnapshots, () => AcceptDrift })
        {
            try
            {
                _ = read(); // from the environment unless set in code
            }
            catch (ArgumentException e)
            {
                if (!problems.Contains(e.Message)) // MITMFIXTURE_ACCEPT serves two options: said once
                {
                    problems.Add(e.Message);
                }
            }
        }

        return problems;
    }

    /// <summary>Accept traffic snapshots as they are (write .verified.json). Default: the MITMFIXTURE_ACCEPT environment variable is 1 or true (any case).</summary>
    public bool AcceptSnapshots { get => _acceptSnapshots ?? AcceptFromEnvironment; init => _acceptSnapshots = value; }

    /// <summary>
    /// In Drift mode, take the live answers: drifted flows are rewritten in the cassette in place and
    /// requests it had no recording for are appended (atomically, redacted), as <c>mitmfixture drift
    /// --update</c> does; the test then passes with a warning naming each rewritten flow. Default: the
    /// MITMFIXTURE_ACCEPT environment variable is 1 or true (any case).
    /// </summary>
    public bool AcceptDrift { get => _acceptDrift ?? AcceptFromEnvironment; init => _acceptDrift = value; }

    private bool AcceptFromEnvironment => EnvironmentSwitches.IsOn(EnvironmentSwitches.Accept, ReadEnvironment);
}

/// <summary>What happens when a cassette is older than <see cref="FixtureOptions.MaxCassetteAge"/>.</summary>
public enum StaleCassettePolicy
{
    /// <summary>Log a warning and replay the cassette anyway (the default).</summary>
    Warn,
    /// <summary>Fail the test with <see cref="MissingCassetteException"/>.</summary>
    Fail,
    /// <summary>Record the cassette again from the real servers.</summary>
    ReRecord,
}
