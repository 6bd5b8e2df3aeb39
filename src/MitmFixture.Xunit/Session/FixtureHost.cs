using Microsoft.Extensions.Logging;
using MitmFixture.Proxy;
using MitmFixture.Tls;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// What a fixture does, free of any test framework: starts the proxy with an in-memory CA, opens
/// cassette scopes, resolves their mode, builds clients. The xunit v3 and xunit 2 fixtures are thin
/// adapters over it that supply the running test's name, id and output.
/// </summary>
internal sealed class FixtureHost(FixtureOptions options) : IAsyncDisposable
{
    private readonly SessionAddon _session = new(() => PassesThrough(options));
    private ProxyServer? _proxy;
    private CertificateAuthority? _authority;
    private Exception? _startFailure;
    private string? _caFile;
    private ProxyClients? _clients;
    private ILoggerFactory? _logging;

    public FixtureOptions Options => options;

    /// <summary>Whether the fixture runs in Passthrough, where nothing is recorded or replayed, so a request no cassette can take may go on.</summary>
    public bool PassesThrough() => PassesThrough(options);

    private static bool PassesThrough(FixtureOptions options) => ModeResolver.Resolve(options.Mode, options.ReadEnvironment) == RecordMode.Passthrough;

    /// <summary>The running proxy. Throws the start-up failure if it did not start.</summary>
    public ProxyServer Proxy => _proxy ?? throw new InvalidOperationException("the MitmFixture proxy did not start: " + _startFailure?.Message, _startFailure);

    public ProxyClients Clients => _clients ?? throw new InvalidOperationException("the MitmFixture proxy did not start: " + _startFailure?.Message, _startFailure);

    public async Task StartAsync()
    {
        try
        {
            // An in-memory CA per fixture: nothing is written to the user's home, and startup stays fast.
            _authority = CertificateAuthority.CreateEphemeral("MitmFixture Test CA");
            var errors = new List<string>(options.Problems());

            // The same composition as every command: server replay (the test's cassette) before the
            // rewriting addons, the session (recording) last.
            var pipeline = ProxyPipeline.Compose(options.Configuration, new PipelineParts
            {
                Scripts = options.Addons,
                ServerReplay = _session.ReplaySlot,
                Recording = _ => _session,
            }, errors);
            if (errors.Count > 0)
            {
                throw new ArgumentException("invalid fixture options:\n  " + string.Join("\n  ", errors));
            }

            _logging = options.Proxy.LoggerFactory is null ? LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(_session, options.LogLevel)).SetMinimumLevel(options.LogLevel)) : null;
            var proxyOptions = options.Proxy with
            {
                LoggerFactory = options.Proxy.LoggerFactory ?? _logging,
                ListenHost = "127.0.0.1",
                ListenPort = 0,
                CertificateAuthority = _authority,
                Addons = pipeline.Addons,
            };
            _proxy = await ProxyServer.StartAsync(proxyOptions);
            _caFile = Path.Combine(Path.GetTempPath(), $"mitmfixture-ca-{Environment.ProcessId}-{_proxy.Port}.pem");
            await File.WriteAllTextAsync(_caFile, _authority.CertificatePem);
            _clients = new ProxyClients(_authority, _caFile);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            // Kept and rethrown where a test touches the fixture, so every test shows the real cause.
            _startFailure = e;
        }
    }

    /// <summary>The open scope the test with this id opened last.</summary>
    public CassetteScope? ScopeOfTest(string? testId) => _session.ScopeOfTest(testId);

    /// <summary>
    /// The fixture's own handler: <paramref name="route"/> decides per request, in the execution
    /// context it is sent from, which port it goes to or why it is refused, so it follows the running test.
    /// </summary>
    public HttpMessageHandler CreateHandler(Func<HttpRequestMessage, RequestRoute> route) =>
        new RoutingHandler(Clients.CreateHandler(RoutingHandler.Proxy), route, _session.Refused);

    /// <summary>The name of the cassette scope this test ended last; null for a test that ended none, or no test.</summary>
    public string? LastEndedScopeOfTest(string? testId) => _session.LastEndedScopeOfTest(testId);

    /// <summary>
    /// Opens a cassette scope named after <paramref name="testName"/> unless <paramref name="name"/>
    /// is given; <paramref name="warn"/> reports a stale cassette under the Warn policy.
    /// </summary>
    public CassetteScope OpenScope(string testName, string? name, ScopeOwner owner, Action<string>? output, Action<string> warn)
    {
        var proxy = Proxy; // rethrows a start-up failure here, in the test
        var folder = options.CassetteFolder ?? CassetteNaming.DefaultFolder(AppContext.BaseDirectory);
        var path = CassetteNaming.PathFor(folder, name is null ? CassetteNaming.FileNameFor(testName) : name);
        if (name is null)
        {
            CassetteNaming.Claim(path, testName);
        }

        var scope = new CassetteScope(_session, options, Clients, testName, path, EffectiveMode(path, warn), owner, output, warn);
        scope.Start(proxy);
        return scope;
    }

    private RecordMode EffectiveMode(string path, Action<string> warn)
    {
        var mode = ModeResolver.Resolve(options.Mode, options.ReadEnvironment);
        var exists = File.Exists(path);
        if (mode == RecordMode.Auto)
        {
            if (!exists && options.ContinuousIntegration)
            {
                throw new MissingCassetteException($"cassette {path} does not exist and CI=true, so it is not recorded here. Record it locally with {ModeResolver.EnvironmentVariable}=Record dotnet test (or -p:MitmFixtureMode=Record) and commit it.");
            }

            mode = exists ? RecordMode.Replay : RecordMode.Record;
        }

        if (mode is RecordMode.Replay or RecordMode.Drift && !exists)
        {
            throw new MissingCassetteException($"cassette {path} does not exist (mode {mode}). Record it with {ModeResolver.EnvironmentVariable}=Record dotnet test (or -p:MitmFixtureMode=Record).");
        }

        if (mode == RecordMode.Replay && options.MaxCassetteAge is { } maxAge && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > maxAge)
        {
            switch (options.StaleCassettePolicy)
            {
                case StaleCassettePolicy.Fail:
                    throw new MissingCassetteException($"cassette {path} is older than {maxAge.TotalDays:0.#} days; re-record it");
                case StaleCassettePolicy.ReRecord:
                    return RecordMode.Record;
                default:
                    warn($"cassette {path} is older than {maxAge.TotalDays:0.#} days");
                    break;
            }
        }

        return mode;
    }

    /// <summary>
    /// Stops the proxy, then fails with <see cref="UnattributedRequestException"/> if the fixture
    /// refused requests that no cassette scope ended after to report them (a test's late request after
    /// the last test): the test framework reports a fixture's failed dispose as a cleanup failure
    /// (xunit v3 "[Test Class Cleanup Failure]", "[Test Collection ...]", "[Test Assembly ...]"; xunit 2 alike),
    /// and the run fails.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        _authority?.Dispose();
        _logging?.Dispose();
        if (_caFile is not null)
        {
            File.Delete(_caFile);
        }

        var refused = _session.TakeRefused();
        if (refused.Count > 0)
        {
            throw new UnattributedRequestException(refused.Describe("no cassette scope ended after them to report them, so the fixture's end does"));
        }
    }
}
