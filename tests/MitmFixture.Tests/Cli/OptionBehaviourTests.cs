using System.Net;
using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Proxy;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// Option by option, against a real upstream: the same value given as a flag, with --set, in a JSON
/// or YAML options file, in config.yaml and to the fixture behaves the same.
/// </summary>
public sealed class OptionBehaviourTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>, IDisposable
{
    private readonly OptionSurfaces _surfaces = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-behaviour-").FullName;

    private TestUpstream Upstream => fixture.Upstream;

    private static readonly string[] Observable = ["anticache", "anticomp", "modify_headers", "modify_body", "map_remote", "proxyauth", "body_size_limit", "stickyauth", "redact_headers"];

    public static TheoryData<string, Surface> Cases()
    {
        var data = new TheoryData<string, Surface>();
        foreach (var name in Observable)
        {
            foreach (var surface in Enum.GetValues<Surface>())
            {
                data.Add(name, surface);
            }
        }

        return data;
    }

    private string ValueFor(string name) => name switch
    {
        "map_remote" => $"|//mapped.invalid|//127.0.0.1:{Upstream.HttpPort}",
        "body_size_limit" => "1k",
        "stickyauth" => "~all",
        "redact_headers" => "X-Api-Key",
        _ => OptionRegistry.Find(name)!.Example,
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Option_OnEverySurface_BehavesTheSameAgainstARealServer(string name, Surface surface)
    {
        var option = OptionRegistry.Find(name)!;
        var value = ValueFor(name);
        await using var proxy = await StartAsync(surface, option, value);
        using var client = proxy.Client;
        var echo = $"{Upstream.HttpUrl}/echo/{name}";
        var cancel = TestContext.Current.CancellationToken;

        switch (name)
        {
            case "anticache":
                Assert.DoesNotContain("If-None-Match", await SendAsync(client, HttpMethod.Get, echo, ("If-None-Match", "\"v1\"")), StringComparison.OrdinalIgnoreCase);
                break;
            case "anticomp":
                Assert.Contains("Accept-Encoding: identity", await SendAsync(client, HttpMethod.Get, echo, ("Accept-Encoding", "gzip")), StringComparison.Ordinal);
                break;
            case "modify_headers":
                Assert.Contains("X-Example: 1", await SendAsync(client, HttpMethod.Get, echo), StringComparison.Ordinal);
                break;
            case "modify_body":
                var text = await SendAsync(client, HttpMethod.Post, echo, body: "hello world");
                Assert.Contains("bye world", text, StringComparison.Ordinal);
                break;
            case "map_remote":
                Assert.StartsWith("GET /echo/mapped", await SendAsync(client, HttpMethod.Get, "http://mapped.invalid/echo/mapped"), StringComparison.Ordinal);
                break;
            case "proxyauth":
                using (var refused = await client.GetAsync(echo, cancel))
                {
                    Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, refused.StatusCode);
                }

                break;
            case "body_size_limit":
                using (var tooBig = await client.PostAsync(echo, new StringContent(new string('x', 4096)), cancel))
                {
                    Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
                }

                break;
            case "stickyauth":
                await SendAsync(client, HttpMethod.Get, echo, ("Authorization", "Basic c3RpY2t5OmF1dGg="));
                Assert.Contains("Authorization: Basic c3RpY2t5OmF1dGg=", await SendAsync(client, HttpMethod.Get, echo), StringComparison.Ordinal);
                break;
            case "redact_headers":
                await SendAsync(client, HttpMethod.Get, echo, ("X-Api-Key", "s3cret-value"));
                var flow = Assert.Single(proxy.Server.Flows.Snapshot());
                var redacted = new Redactor(proxy.Configuration.Redaction).Redact(flow);
                Assert.Equal("<X_API_KEY>", redacted.Request.Headers.Get("X-Api-Key"));
                break;
            default:
                Assert.Fail($"no behaviour check for {name}");
                break;
        }
    }

    private static async Task<string> SendAsync(HttpClient client, HttpMethod method, string url, (string Name, string Value)? header = null, string? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (header is { } h)
        {
            request.Headers.TryAddWithoutValidation(h.Name, h.Value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A proxy configured through <paramref name="surface"/>: the command line's composition, or a real fixture.</summary>
    private async Task<RunningProxy> StartAsync(Surface surface, OptionDefinition option, string value)
    {
        if (OptionSurfaces.ThroughFixture(surface))
        {
            // Passthrough: what is checked is the option's effect on live traffic, with no cassette scope
            // (in the other modes the fixture refuses a request from a test with no scope open).
            var isolated = MitmFixture.Tests.Fixture.TestFixtureOptions.Isolated(RecordMode.Passthrough, _folder);
            var options = surface == Surface.Fixture ? isolated.With(option.Name, value) : isolated.WithOptionsFile(_surfaces.FixtureFile(surface, option, value));
            var proxyFixture = ProxyFixture.WithOptions(options);
            await proxyFixture.InitializeAsync();
            return new RunningProxy(proxyFixture.Proxy, options.Configuration, new HttpClient(proxyFixture.CreateHandler()), proxyFixture); // its handler does not decompress (SocketsHttpHandler's default)
        }

        var errors = new List<string>();
        var configuration = _surfaces.Configure(surface, option, value, errors);
        var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts(), errors);
        Assert.Empty(errors);
        var server = await ProxyServer.StartAsync(configuration.Proxy with
        {
            ListenHost = "127.0.0.1",
            ListenPort = 0,
            CertificateAuthority = MitmFixture.Tls.CertificateAuthority.CreateEphemeral("test"),
            Addons = pipeline.Addons,
        });
        var client = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy(server.Url), UseProxy = true, AutomaticDecompression = DecompressionMethods.None });
        return new RunningProxy(server, configuration, client, server);
    }

    private sealed record RunningProxy(ProxyServer Server, ProxyConfiguration Configuration, HttpClient Client, IAsyncDisposable Owner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    public void Dispose()
    {
        _surfaces.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
