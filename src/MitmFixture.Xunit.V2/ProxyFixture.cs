using System.Reflection;
using MitmFixture.Proxy;
using MitmFixture.Xunit.Session;
using Xunit;
using Xunit.Abstractions;

namespace MitmFixture.Xunit;

/// <summary>
/// The record/replay proxy fixture for xunit 2 (2.9.x): the xunit v3 fixture's API where xunit 2
/// allows. xunit 2 has no ambient test context, so a test hands over its <see cref="ITestOutputHelper"/>:
/// the cassette is named after that test and the proxy's log goes to it.
/// <code>
/// public sealed class WeatherTests(ProxyFixture proxy, ITestOutputHelper output) : IClassFixture&lt;ProxyFixture&gt;
/// {
///     [Fact]
///     public async Task Forecast()
///     {
///         await using var cassette = await proxy.UseCassetteAsync(output);
///         var json = await proxy.CreateClient().GetStringAsync("https://api.example.com/forecast");
///         Assert.Contains("sunny", json);
///     }
/// }
/// </code>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit 2 ends a fixture through IAsyncLifetime.DisposeAsync, which disposes the host.")]
public class ProxyFixture : IAsyncLifetime
{
    private readonly FixtureHost _host;

    // The scope the running test opened: set by UseCassetteAsync in the test's own execution context,
    // which xunit 2 gives each test, so parallel tests each see theirs.
    private readonly AsyncLocal<CassetteScope?> _current = new();

    /// <summary>A fixture with default <see cref="FixtureOptions"/>.</summary>
    public ProxyFixture()
        : this(new FixtureOptions())
    {
    }

    /// <summary>For a fixture with options, derive from this class (xunit needs one public constructor).</summary>
    protected ProxyFixture(FixtureOptions options) => _host = new FixtureHost(options);

    /// <summary>The options the fixture was created with.</summary>
    public FixtureOptions Options => _host.Options;

    /// <summary>The proxy's address for the running test: its cassette's own port once it called <see cref="UseCassetteAsync"/>, else the shared port.</summary>
    public Uri ProxyUrl => _current.Value is { Ended: false } scope ? scope.ProxyUrl : Proxy.Url;

    /// <summary>The running proxy (its flows, its CA). Throws the start-up failure if it did not start.</summary>
    public ProxyServer Proxy => _host.Proxy;

    /// <summary>The CA certificate (PEM file) clients must trust for HTTPS.</summary>
    public string CaCertificatePath => _host.Clients.CaCertificatePath;

    /// <summary>Variables that route a child process through the running test's port and make it trust the CA.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables => _host.Clients.EnvironmentFor(ProxyUrl);

    /// <inheritdoc/>
    public virtual Task InitializeAsync() => _host.StartAsync();

    /// <summary>
    /// A handler routed through the proxy and trusting its CA; it picks the running test's cassette
    /// port per request. A request with no open scope in its execution context (the test did not open
    /// one, its scope has ended, or the request runs outside the test's execution context) is refused
    /// with <see cref="UnattributedRequestException"/>, and fails the next cassette scope to end on
    /// this fixture, or the fixture's dispose; unless the mode is Passthrough.
    /// </summary>
    public HttpMessageHandler CreateHandler() => _host.CreateHandler(Route);

    /// <summary>An HttpClient that goes through the proxy (the running test's cassette port) and trusts its CA.</summary>
    public HttpClient CreateClient() => ProxyClients.CreateClient(CreateHandler());

    /// <summary>
    /// Starts this test's cassette, named after the test <paramref name="output"/> belongs to unless
    /// <paramref name="name"/> is given; the proxy's log for it goes to <paramref name="output"/>.
    /// Dispose it at the end of the test.
    /// </summary>
    public Task<CassetteScope> UseCassetteAsync(ITestOutputHelper output, string? name = null)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(output);
            var runningTest = TestOf(output)?.DisplayName;
            var testName = name ?? runningTest
                ?? throw new InvalidOperationException("cannot tell the running test from this ITestOutputHelper; pass a cassette name");
            var scope = _host.OpenScope(testName, name, new ScopeOwner(runningTest, null), output.WriteLine, warning => output.WriteLine("warning: " + warning));
            _current.Value = scope; // not an async method: the value stays in the calling test's context
            return Task.FromResult(scope);
        }
        catch (Exception e)
        {
            return Task.FromException<CassetteScope>(e); // failures surface when the test awaits, like any async call
        }
    }

    /// <summary>
    /// Where a request through <see cref="CreateHandler"/> goes. xunit 2 has no ambient test, so the
    /// execution context's scope is all there is: a test that opened none and work outside any test's
    /// execution context look alike here, and both are refused, as the xunit v3 fixture refuses them.
    /// </summary>
    private RequestRoute Route(HttpRequestMessage request)
    {
        var scope = _current.Value;
        if (scope is { Ended: false })
        {
            return RequestRoute.To(scope);
        }

        if (_host.PassesThrough())
        {
            return RequestRoute.To(Proxy.Url); // nothing is recorded or replayed: the shared port's rule is enough
        }

        var what = $"{request.Method} {request.RequestUri}";
        return RequestRoute.Refuse(scope is not null
            ? $"test '{scope.Owner.TestName ?? scope.Name}' sent {what} through the fixture after its cassette scope ({scope.Name}) was disposed (a request it did not wait for, " +
                "or a timer it left running), so no cassette got it. Wait for such a request before the scope ends, or keep the scope open until the work is done."
            : $"{what} was sent through the fixture's client with no cassette scope in its execution context, so MitmFixture cannot tell which test sent it " +
                "and refused it rather than put it into whichever cassette is open. Either the test did not call 'await using var cassette = await proxy.UseCassetteAsync(output);' " +
                "first, or the request comes from work outside the test's execution context: started under ExecutionContext.SuppressFlow, a timer or background task " +
                "started before the test or by an earlier test, or an app under test serving requests on its own threads. Let the test's context flow into that work " +
                "(an app in TestServer or WebApplicationFactory: TestServerOptions.PreserveExecutionContext = true; a timer: start it in the test), or give the work " +
                "the cassette's own client, cassette.CreateClient() or cassette.CreateHandler(), whose port names its cassette.");
    }

    /// <summary>
    /// xunit 2's TestOutputHelper knows its test only through a private field (xunit 2.9.x); an
    /// output helper of another kind names no test, and the caller must pass a name.
    /// </summary>
    private static ITest? TestOf(ITestOutputHelper output) =>
        output.GetType().GetField("test", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(output) as ITest;

    /// <inheritdoc/>
    /// <remarks>
    /// Fails with <see cref="UnattributedRequestException"/> when the fixture refused requests that no
    /// cassette scope ended after to report (a test's request after the last test's end): xunit 2
    /// reports it as the fixture's cleanup failure, and the run fails.
    /// </remarks>
    public virtual async Task DisposeAsync() => await _host.DisposeAsync();
}
