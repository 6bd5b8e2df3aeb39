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

    /// <summary>A handler routed through the proxy and trusting its CA; it picks the running test's cassette port per request.</summary>
    public HttpMessageHandler CreateHandler() => _host.CreateHandler(() => ProxyUrl);

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
    /// xunit 2's TestOutputHelper knows its test only through a private field (xunit 2.9.x); an
    /// output helper of another kind names no test, and the caller must pass a name.
    /// </summary>
    private static ITest? TestOf(ITestOutputHelper output) =>
        output.GetType().GetField("test", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(output) as ITest;

    /// <inheritdoc/>
    public virtual async Task DisposeAsync() => await _host.DisposeAsync();
}
