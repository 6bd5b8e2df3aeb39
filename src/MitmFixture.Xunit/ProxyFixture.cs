using MitmFixture.Proxy;
using MitmFixture.Xunit.Session;
using Xunit;

namespace MitmFixture.Xunit;

/// <summary>
/// An in-process record/replay proxy for xunit v3 tests: use it as a class, collection or assembly
/// fixture, shared by tests running in parallel. Each test calls <see cref="UseCassetteAsync"/> for
/// its own cassette (named after the test) and sends its HTTP through <see cref="CreateClient"/>,
/// <see cref="CreateHandler"/>, <see cref="ProxyUrl"/> or <see cref="EnvironmentVariables"/>: these
/// lead to the running test's cassette's own port, so its flows are its own.
/// <code>
/// public sealed class WeatherTests(ProxyFixture proxy) : IClassFixture&lt;ProxyFixture&gt;
/// {
///     [Fact]
///     public async Task Forecast()
///     {
///         await using var cassette = await proxy.UseCassetteAsync();
///         var json = await proxy.CreateClient().GetStringAsync("https://api.example.com/forecast", TestContext.Current.CancellationToken);
///         Assert.Contains("sunny", json);
///     }
/// }
/// </code>
/// </summary>
public class ProxyFixture : IAsyncLifetime
{
    private readonly FixtureHost _host;

    /// <summary>A fixture with default <see cref="FixtureOptions"/>.</summary>
    public ProxyFixture()
        : this(new FixtureOptions())
    {
    }

    /// <summary>
    /// For a fixture with options, derive from this class (xunit needs one public constructor):
    /// <c>public sealed class ApiProxy() : ProxyFixture(new FixtureOptions { Mode = RecordMode.Replay });</c>
    /// </summary>
    protected ProxyFixture(FixtureOptions options) => _host = new FixtureHost(options);

    /// <summary>A fixture with options, for code that manages the lifetime itself (call InitializeAsync and DisposeAsync).</summary>
    public static ProxyFixture WithOptions(FixtureOptions options) => new(options);

    /// <summary>The options the fixture was created with.</summary>
    public FixtureOptions Options => _host.Options;

    /// <summary>
    /// The proxy's address for the running test, for curl's -x or HTTPS_PROXY: its cassette's own port
    /// once it called <see cref="UseCassetteAsync"/>, else the shared port (which belongs to a cassette
    /// only while it is the only one open).
    /// </summary>
    public Uri ProxyUrl => CurrentScope()?.ProxyUrl ?? Proxy.Url;

    /// <summary>The running proxy (its flows, its CA). Throws the start-up failure if it did not start.</summary>
    public ProxyServer Proxy => _host.Proxy;

    /// <summary>The CA certificate (PEM file) clients must trust for HTTPS.</summary>
    public string CaCertificatePath => _host.Clients.CaCertificatePath;

    /// <summary>Variables that route a child process through the proxy (the running test's port, as <see cref="ProxyUrl"/>) and make it trust the CA (curl, Python, Node, Go, .NET).</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => _host.Clients.EnvironmentFor(ProxyUrl);

    /// <inheritdoc/>
    public virtual ValueTask InitializeAsync() => new(_host.StartAsync());

    /// <summary>
    /// A handler routed through the proxy and trusting its CA, for IHttpClientFactory's
    /// ConfigurePrimaryHttpMessageHandler. It picks the port per request: the cassette of the test
    /// the request is sent from (the test's execution context flows into the app it starts), so one
    /// handler serves tests that run in parallel or one after another.
    /// </summary>
    public HttpMessageHandler CreateHandler() => new ScopeRequiredHandler(
        _host.CreateHandler(() => ProxyUrl),
        testId => _host.ScopeOfTest(testId) is not null,
        () => ModeResolver.Resolve(_host.Options.Mode, _host.Options.ReadEnvironment) == RecordMode.Passthrough);

    /// <summary>An HttpClient that goes through the proxy (the running test's cassette port) and trusts its CA.</summary>
    public HttpClient CreateClient() => ProxyClients.CreateClient(CreateHandler());

    /// <summary>
    /// Starts this test's cassette: named after the test (class, method, theory arguments) unless
    /// <paramref name="name"/> is given (several tests may share one by name). Dispose it at the end
    /// of the test.
    /// </summary>
    public Task<CassetteScope> UseCassetteAsync(string? name = null)
    {
        try
        {
            var test = TestContext.Current.Test;
            var testName = name ?? test?.TestDisplayName ?? throw new InvalidOperationException("no running test to name the cassette after; pass a name");
            var output = TestContext.Current.TestOutputHelper;
            return Task.FromResult(_host.OpenScope(testName, name, new ScopeOwner(test?.TestDisplayName, test?.UniqueID), output is null ? null : output.WriteLine, TestContext.Current.AddWarning));
        }
        catch (Exception e)
        {
            return Task.FromException<CassetteScope>(e); // failures surface when the test awaits, like any async call
        }
    }

    private CassetteScope? CurrentScope() => _host.ScopeOfTest(TestContext.Current.Test?.UniqueID);

    /// <inheritdoc/>
    public virtual async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
