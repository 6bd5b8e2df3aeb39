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
    /// handler serves tests that run in parallel or one after another. A request it cannot give to a
    /// test's open cassette (sent from no test's execution context, or by a test with no scope open)
    /// is refused with <see cref="UnattributedRequestException"/>, and fails the next cassette scope to
    /// end on this fixture, or the fixture's dispose.
    /// </summary>
    public HttpMessageHandler CreateHandler() => _host.CreateHandler(Route);

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

    /// <summary>
    /// Where a request through <see cref="CreateHandler"/> goes, decided in the execution context it
    /// was sent from: the running test's cassette port, or (in Passthrough) the shared port; otherwise
    /// refused. Unlike a child process on the shared port, which carries no context and so belongs to
    /// the only open cassette, an in-process request tells here whether a test sent it: one that no
    /// test sent, or whose test has no scope open, would land in another test's cassette.
    /// </summary>
    private RequestRoute Route(HttpRequestMessage request)
    {
        var test = TestContext.Current.Test;
        if (_host.ScopeOfTest(test?.UniqueID) is { } scope)
        {
            return RequestRoute.To(scope);
        }

        if (_host.PassesThrough())
        {
            return RequestRoute.To(Proxy.Url); // nothing is recorded or replayed: the shared port's rule is enough
        }

        var what = $"{request.Method} {request.RequestUri}";
        string why;
        if (test is null)
        {
            why = $"{what} was sent through the fixture's client outside any test's execution context, so MitmFixture cannot tell which test sent it " +
                "and refused it rather than put it into whichever cassette is open. Such requests come from work started under ExecutionContext.SuppressFlow, " +
                "a timer or background task started before the test or by an earlier test, or an app under test serving requests on its own threads. " +
                "Let the test's context flow into that work (an app in TestServer or WebApplicationFactory: TestServerOptions.PreserveExecutionContext = true; " +
                "a timer: start it in the test), or give the work the cassette's own client, cassette.CreateClient() or cassette.CreateHandler(), whose port names its cassette.";
        }
        else if (_host.LastEndedScopeOfTest(test.UniqueID) is { } ended)
        {
            why = $"test '{test.TestDisplayName}' sent {what} through the fixture after its cassette scope ({ended}) was disposed (a request it did not wait for, " +
                "or a timer it left running), so no cassette got it. Wait for such a request before the scope ends (await it, or cancel it with " +
                "TestContext.Current.CancellationToken), or keep the scope open until the work is done.";
        }
        else
        {
            why = $"test '{test.TestDisplayName}' sent {what} through the fixture with no cassette scope open: call 'await using var cassette = await fixture.UseCassetteAsync();' " +
                "first (its flows would otherwise be recorded into another test's cassette, or sent to the network unrecorded)";
        }

        if (test is not null)
        {
            try
            {
                TestContext.Current.AddWarning(why); // for an app under test that catches the exception, while the test still runs
            }
            catch (InvalidOperationException)
            {
                // The test is over: the fixture reports the request (the next scope to end, or its own dispose).
            }
        }

        return RequestRoute.Refuse(why);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Fails with <see cref="UnattributedRequestException"/> when the fixture refused requests that no
    /// cassette scope ended after to report (a test's request after the last test's end): xunit reports
    /// it as the class, collection or assembly fixture's cleanup failure, and the run fails.
    /// </remarks>
    public virtual async ValueTask DisposeAsync()
    {
        try
        {
            await _host.DisposeAsync();
        }
        finally
        {
            GC.SuppressFinalize(this);
        }
    }
}
