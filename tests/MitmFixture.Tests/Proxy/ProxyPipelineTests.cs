using System.Net;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Proxy;

/// <summary>One composition for every command and the fixture, in mitmproxy's default_addons() order.</summary>
public sealed class ProxyPipelineTests : IDisposable
{
    private static readonly string Sample = Path.Combine(CliProcess.Dll.Split("/src/")[0], "recordings", "sample.json");

    private readonly OptionSurfaces _surfaces = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-pipeline-").FullName;

    private static readonly string[] EveryFeature =
    [
        "--anticache", "--anticomp", "--proxyauth", "user:pass", "-M", "|//a.example|//b.example", "-B", "/~q/a/b",
        "-H", "/~q/X-A/1", "--stickyauth", "~d example.com", "--stickycookie", "~d example.com",
    ];

    /// <summary>What each addon is in the pipeline; the CLI and the fixture bring their own replay and recording addons.</summary>
    private static string Role(ProxyAddon addon) => addon.GetType().Name switch
    {
        nameof(ServerReplayAddon) or "SessionReplayAddon" => "server replay",
        nameof(RecordingAddon) or "SessionAddon" => "recording",
        nameof(FlowHooks) => "script",
        var name => name,
    };

    [Fact]
    public void Compose_EveryFeature_RunsInMitmproxysDefaultAddonsOrder()
    {
        var errors = new List<string>();
        var configuration = _surfaces.Parse([.. EveryFeature, "-S", Sample], errors);

        var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts
        {
            Scripts = [new FlowHooks()],
            Intercept = new InterceptAddon(),
            // Never begun: the writer writes nothing, so no background write races the folder's removal at the end.
            Recording = redactor => new RecordingAddon(CassetteWriter.Create(Path.Combine(_folder, "out.json"), redactor, "regular", deferFirstWrite: true)),
        }, errors);

        Assert.Empty(errors);
        Assert.Equal(
            [
                nameof(AnticacheAddon), nameof(AnticompAddon), nameof(ProxyAuthAddon), "script", "server replay", nameof(MapRemoteAddon),
                nameof(ModifyBodyAddon), nameof(ModifyHeadersAddon), nameof(StickyAuthAddon), nameof(StickyCookieAddon), nameof(InterceptAddon), "recording",
            ],
            pipeline.Addons.Select(Role));
    }

    [Fact]
    public void Compose_ServerReplay_RecordedBodiesDecodeWithinTheConfiguredDecodeLimit()
    {
        // A gzip request body that expands past decode_limit is recorded encoded; live, the same body
        // stays encoded too. The loaded recording must not decode it with the default 64 MiB limit,
        // or its match key (decoded) could never equal the live one (encoded).
        var gzip = Gzip(new byte[100_000]);
        var recorded = new Flow(MitmFixture.Http.HttpRequest.Create("POST", "http://api.test/upload", gzip, ("Content-Encoding", "gzip"))) { Response = MitmFixture.Http.HttpResponse.Create(200, "stored") };
        recorded.Request.MaxDecodedBodyBytes = 1000;
        var cassette = Path.Combine(_folder, "limit.json");
        Cassette.Save(cassette, [recorded]);
        var errors = new List<string>();
        var configuration = new ProxyConfiguration
        {
            Proxy = new ProxyOptions { Limits = new MitmFixture.Http.HttpLimits { MaxDecodedBodyBytes = 1000 } },
            ServerReplayFiles = [cassette],
        };

        var store = ProxyPipeline.Compose(configuration, new PipelineParts(), errors).ServerReplay!.Store;
        var live = MitmFixture.Http.HttpRequest.Create("POST", "http://api.test/upload", gzip, ("Content-Encoding", "gzip"));
        live.MaxDecodedBodyBytes = 1000;

        Assert.Empty(errors);
        Assert.NotNull(Assert.Single(store.Recorded).Request.DecodeProblem);
        Assert.True(store.TryTake(live, out var answer), store.Explain(live));
        Assert.Equal("stored", answer!.Response!.Text);
    }

    private static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task CliAndFixture_SameOptions_BuildTheSamePipeline()
    {
        var errors = new List<string>();
        var configuration = _surfaces.Parse([.. EveryFeature, "-S", Sample], errors);
        CassetteWriter? writer = null;
        var cli = ProxyPipeline.Compose(configuration, new PipelineParts
        {
            Scripts = [new FlowHooks()],
            Recording = redactor => new RecordingAddon(writer = CassetteWriter.Create(Path.Combine(_folder, "out.json"), redactor, "regular")),
        }, errors);
        Assert.Empty(errors);
        Assert.NotNull(writer);
        await writer.DisposeAsync(); // its background write must end before Dispose removes the folder

        var options = MitmFixture.Tests.Fixture.TestFixtureOptions.Isolated(RecordMode.Auto, _folder) with { Features = configuration.Features, Addons = [new FlowHooks()] };
        await using var fixture = ProxyFixture.WithOptions(options);
        await fixture.InitializeAsync();

        Assert.Equal(cli.Addons.Select(Role), fixture.Proxy.Options.Addons.Select(Role));
    }

    [Fact]
    public async Task Fixture_ReplayAndMapRemote_MatchesTheRequestAsTheClientSentIt()
    {
        // map_remote points the recorded host at a closed port: were replay after it (as the fixture
        // once had it), the cassette would be asked for 127.0.0.1:1 and the test would get a 500.
        File.Copy(Sample, Path.Combine(_folder, "sample.json"));
        var options = MitmFixture.Tests.Fixture.TestFixtureOptions.Isolated(RecordMode.Replay, _folder)
            .With("map_remote", "|//api.example.com|//127.0.0.1:1");
        await using var fixture = ProxyFixture.WithOptions(options);
        await fixture.InitializeAsync();
        await using var cassette = await fixture.UseCassetteAsync("sample");

        var body = await fixture.CreateClient().GetStringAsync("http://api.example.com/health", TestContext.Current.CancellationToken);

        Assert.Equal("ok", body.Trim());
    }

    [Fact]
    public async Task Cli_ReplayAndMapRemote_MatchesTheRequestAsTheClientSentIt()
    {
        var errors = new List<string>();
        var configuration = _surfaces.Parse(["-S", Sample, "-M", "|//api.example.com|//127.0.0.1:1", "--listen", "127.0.0.1:0"], errors);
        var pipeline = ProxyPipeline.Compose(configuration, new PipelineParts(), errors);
        Assert.Empty(errors);
        await using var proxy = await ProxyServer.StartAsync(configuration.Proxy with { Addons = pipeline.Addons, CertificateAuthority = MitmFixture.Tls.CertificateAuthority.CreateEphemeral("test") });
        using var client = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(proxy.Url), UseProxy = true });

        var body = await client.GetStringAsync("http://api.example.com/health", TestContext.Current.CancellationToken);

        Assert.Equal("ok", body.Trim());
    }

    [Fact]
    public void Compose_RecordingWithABadOption_IsNeverMade()
    {
        var errors = new List<string> { "an earlier error" };
        var made = false;

        ProxyPipeline.Compose(new ProxyConfiguration(), new PipelineParts { Recording = _ => { made = true; return new FlowHooks(); } }, errors);

        Assert.False(made);
    }

    // The typed property (the fixture's) gets the check its option's parser gives: a length of 0 would search every secret everywhere.
    [Theory]
    [InlineData(0)]
    [InlineData(-4)]
    public void Compose_MinimumSecretLengthBelowOne_IsAnError(int length)
    {
        var errors = new List<string>();
        var configuration = new ProxyConfiguration();
        Assert.False(OptionRegistry.TryApply(ref configuration, "redact_min_secret_length", length.ToString(System.Globalization.CultureInfo.InvariantCulture), out _));

        ProxyPipeline.Compose(configuration with { Redaction = configuration.Redaction with { MinimumSecretLength = length } }, new PipelineParts(), errors);

        Assert.Equal($"redact_min_secret_length: {length} must be 1 or more", Assert.Single(errors));
    }

    public void Dispose()
    {
        _surfaces.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
