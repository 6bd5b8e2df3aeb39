using System.Net;
using System.Reflection;
using Microsoft.Extensions.Logging;
using MitmFixture.Proxy;
using MitmFixture.Tls;
using MitmFixture.Xunit.Session;
using Xunit;

namespace MitmFixture.Xunit;

/// <summary>
/// An in-process record/replay proxy for xunit v3 tests: use it as a class, collection or assembly
/// fixture. Each test calls <see cref="UseCassetteAsync"/> for its own cassette (named after the
/// test) and sends its HTTP through <see cref="CreateClient"/>, <see cref="CreateHandler"/> or the
/// proxy environment variables.
/// <code>
/// public sealed class WeatherTests(ProxyFixture proxy) : IClassFixture&lt;ProxyFixture&gt;
/// {
///     [Fact]
///     public async Task Forecast()
///     {
///         await using var cassette = await proxy.UseCassetteAsync();
///         var json = await proxy.CreateClient().GetStringAsync("https://api.example.com/forecast");
///         Assert.Contains("sunny", json);
///     }
/// }
/// </code>
/// </summary>
public class ProxyFixture : IAsyncLifetime
{
    private readonly SessionAddon _session = new();
    private ProxyServer? _proxy;
    private CertificateAuthority? _authority;
    private Exception? _startFailure;
    private string? _caFile;
    private ILoggerFactory? _logging;

    public ProxyFixture()
        : this(new FixtureOptions())
    {
    }

    /// <summary>
    /// For a fixture with options, derive from this class (xunit needs one public constructor):
    /// <c>public sealed class ApiProxy() : ProxyFixture(new FixtureOptions { Mode = RecordMode.Replay });</c>
    /// </summary>
    protected ProxyFixture(FixtureOptions options) => Options = options;

    /// <summary>A fixture with options, for code that manages the lifetime itself (call InitializeAsync and DisposeAsync).</summary>
    public static ProxyFixture WithOptions(FixtureOptions options) => new(options);

    public FixtureOptions Options { get; }

    /// <summary>The proxy's address, for HttpClient's WebProxy, curl's -x or HTTPS_PROXY.</summary>
    public Uri ProxyUrl => Proxy.Url;

    /// <summary>The running proxy (its flows, its CA). Throws the start-up failure if it did not start.</summary>
    public ProxyServer Proxy => _proxy ?? throw new InvalidOperationException("the MitmFixture proxy did not start: " + _startFailure?.Message, _startFailure);

    /// <summary>The CA certificate (PEM file) clients must trust for HTTPS.</summary>
    public string CaCertificatePath => _caFile ?? throw new InvalidOperationException("the MitmFixture proxy did not start", _startFailure);

    /// <summary>Variables that route a child process through the proxy and make it trust the CA (curl, Python, Node, Go, .NET).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => new Dictionary<string, string>
    {
        ["HTTP_PROXY"] = ProxyUrl.ToString(),
        ["HTTPS_PROXY"] = ProxyUrl.ToString(),
        ["http_proxy"] = ProxyUrl.ToString(),
        ["https_proxy"] = ProxyUrl.ToString(),
        ["NO_PROXY"] = "",
        ["SSL_CERT_FILE"] = CaCertificatePath,
        ["CURL_CA_BUNDLE"] = CaCertificatePath,
        ["REQUESTS_CA_BUNDLE"] = CaCertificatePath,
        ["NODE_EXTRA_CA_CERTS"] = CaCertificatePath,
    };

    public virtual async ValueTask InitializeAsync()
    {
        try
        {
            // An in-memory CA per fixture: nothing is written to the user's home, and startup stays fast.
            _authority = CertificateAuthority.CreateEphemeral("MitmFixture Test CA");
            var errors = new List<string>();

            // The same composition as every command: server replay (the test's cassette) before the
            // rewriting addons, the session (recording) last.
            var pipeline = ProxyPipeline.Compose(Options.Configuration, new PipelineParts
            {
                Scripts = Options.Addons,
                ServerReplay = _session.ReplaySlot,
                Recording = _ => _session,
            }, errors);
            if (errors.Count > 0)
            {
                throw new ArgumentException("invalid fixture options:\n  " + string.Join("\n  ", errors));
            }

            _logging = Options.Proxy.LoggerFactory is null ? LoggerFactory.Create(b => b.AddProvider(new TestOutputLoggerProvider(Options.LogLevel))) : null;
            var options = Options.Proxy with
            {
                LoggerFactory = Options.Proxy.LoggerFactory ?? _logging,
                ListenHost = "127.0.0.1",
                ListenPort = 0,
                CertificateAuthority = _authority,
                Addons = pipeline.Addons,
            };
            _proxy = await ProxyServer.StartAsync(options);
            _caFile = Path.Combine(Path.GetTempPath(), $"mitmfixture-ca-{Environment.ProcessId}-{_proxy.Port}.pem");
            await File.WriteAllTextAsync(_caFile, _authority.CertificatePem);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            // Kept and rethrown where a test touches the fixture, so every test shows the real cause.
            _startFailure = e;
        }
    }

    /// <summary>A handler routed through the proxy and trusting its CA, for IHttpClientFactory's ConfigurePrimaryHttpMessageHandler.</summary>
    public HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        Proxy = new WebProxy(ProxyUrl),
        UseProxy = true,
        SslOptions = { RemoteCertificateValidationCallback = _authority!.CreateValidationCallback() }, // set once started; ProxyUrl threw otherwise
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
    };

    public HttpClient CreateClient() => new(CreateHandler()) { Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>
    /// Starts this test's cassette: named after the test (class, method, theory arguments) unless
    /// <paramref name="name"/> is given (several tests may share one by name). Dispose it at the end
    /// of the test.
    /// </summary>
    public Task<CassetteScope> UseCassetteAsync(string? name = null)
    {
        try
        {
            _ = Proxy; // rethrows a start-up failure here, in the test
            var testName = name ?? TestContext.Current.Test?.TestDisplayName
                ?? throw new InvalidOperationException("no running test to name the cassette after; pass a name");
            var folder = Options.CassetteFolder ?? CassetteNaming.DefaultFolder(AppContext.BaseDirectory);
            var path = CassetteNaming.PathFor(folder, name is null ? CassetteNaming.FileNameFor(testName) : name);
            var scope = new CassetteScope(_session, Options, testName, path, EffectiveMode(path));
            scope.Start();
            return Task.FromResult(scope);
        }
        catch (Exception e)
        {
            return Task.FromException<CassetteScope>(e); // failures surface when the test awaits, like any async call
        }
    }

    private RecordMode EffectiveMode(string path)
    {
        var mode = ModeResolver.Resolve(Options.Mode, TestAssembly() ?? Assembly.GetEntryAssembly());
        var exists = File.Exists(path);
        if (mode == RecordMode.Auto)
        {
            if (!exists && Options.ContinuousIntegration)
            {
                throw new MissingCassetteException($"cassette {path} does not exist and CI=true, so it is not recorded here. Record it locally with {ModeResolver.EnvironmentVariable}=Record dotnet test (or -p:MitmFixtureMode=Record) and commit it.");
            }

            mode = exists ? RecordMode.Replay : RecordMode.Record;
        }

        if (mode is RecordMode.Replay or RecordMode.Drift && !exists)
        {
            throw new MissingCassetteException($"cassette {path} does not exist (mode {mode}). Record it with {ModeResolver.EnvironmentVariable}=Record dotnet test (or -p:MitmFixtureMode=Record).");
        }

        if (mode == RecordMode.Replay && Options.MaxCassetteAge is { } maxAge && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > maxAge)
        {
            switch (Options.StaleCassettePolicy)
            {
                case StaleCassettePolicy.Fail:
                    throw new MissingCassetteException($"cassette {path} is older than {maxAge.TotalDays:0.#} days; re-record it");
                case StaleCassettePolicy.ReRecord:
                    return RecordMode.Record;
                default:
                    TestContext.Current.AddWarning($"cassette {path} is older than {maxAge.TotalDays:0.#} days");
                    break;
            }
        }

        return mode;
    }

    private static Assembly? TestAssembly() => (TestContext.Current.TestAssembly as global::Xunit.v3.IXunitTestAssembly)?.Assembly;

    public virtual async ValueTask DisposeAsync()
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

        GC.SuppressFinalize(this);
    }
}
