using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Fixture;

/// <summary>
/// The fixture's two ways to set an option agree: what <see cref="FixtureOptions.With"/> refuses by
/// name (the listen address, the CA, what an unmatched request gets), the typed properties cannot set
/// either. It was overridden without a word; now the fixture's start fails, naming it.
/// </summary>
public sealed class FixtureOptionsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mitmfixture-fixtureoptions-").FullName;

    /// <summary>The options the fixture decides whose property is one of its own (server_replay and client replay have none there).</summary>
    public static TheoryData<string> DecidedByTheFixture() =>
        [.. OptionSurfaces.NotFixtureOptions.Keys.Where(name => name is not "server_replay" and not "client_replay_stop_on_error")];

    [Theory]
    [MemberData(nameof(DecidedByTheFixture))]
    public async Task TypedProperty_AnOptionTheFixtureDecides_FailsTheStartNamingIt(string name)
    {
        var option = OptionRegistry.Find(name)!;
        var configuration = option.Apply(new ProxyConfiguration(), option.Example);
        var options = TestFixtureOptions.Isolated(RecordMode.Replay, _folder) with { Proxy = configuration.Proxy, Replay = configuration.ServerReplay };
        Assert.Throws<ArgumentException>(() => new FixtureOptions().With(name, option.Example)); // as by name

        await using var fixture = await TestFixtureOptions.StartAsync(options);

        var failure = Assert.Throws<InvalidOperationException>(() => fixture.Proxy);
        Assert.Contains($"{name} ({option.Target} = {option.Show(configuration)}): not a fixture option: ", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedProperty_TheEnginesPipelineOrCa_FailsTheStartSayingWhereTheyGo()
    {
        using var authority = MitmFixture.Tls.CertificateAuthority.CreateEphemeral("someone else's");
        var options = TestFixtureOptions.Isolated(RecordMode.Replay, _folder) with
        {
            Proxy = new ProxyOptions { Addons = [new MitmFixture.Addons.AnticacheAddon()], CertificateAuthority = authority },
        };

        await using var fixture = await TestFixtureOptions.StartAsync(options);

        var failure = Assert.Throws<InvalidOperationException>(() => fixture.Proxy);
        Assert.Contains("ProxyOptions.Addons: not a fixture option: the fixture composes the pipeline; give your addons to FixtureOptions.Addons", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ProxyOptions.CertificateAuthority: not a fixture option", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedProperty_TheDefaults_StartAsBefore()
    {
        await using var fixture = await TestFixtureOptions.StartAsync(TestFixtureOptions.Isolated(RecordMode.Replay, _folder) with { Proxy = new ProxyOptions { SslInsecure = true } });

        Assert.True(fixture.Proxy.Port > 0);
    }

    // The fixture by name follows --set NAME=: an empty value unsets an option that can be unset.
    [Fact]
    public void With_AnEmptyValue_UnsetsAnOptionThatCanBeUnset()
    {
        var options = new FixtureOptions { Features = new() { StickyCookie = "~d example.com" } };

        Assert.Null(options.With("stickycookie", "").Features.StickyCookie);
        Assert.Throws<ArgumentException>(() => options.With("anticache", ""));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
