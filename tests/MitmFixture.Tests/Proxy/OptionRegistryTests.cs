using System.Collections;
using System.Reflection;
using MitmFixture.Cassettes;
using MitmFixture.Proxy;

namespace MitmFixture.Tests.Proxy;

/// <summary>The registry against the options objects: every option sets the property it names, and every property has an option or a reason.</summary>
public sealed class OptionRegistryTests
{
    /// <summary>Properties with no mitmproxy option: set in code only (the README lists them under the engine's options).</summary>
    private static readonly HashSet<string> CodeOnly =
    [
        "ProxyOptions.CertificateAuthority", // an object: confdir is its command-line form
        "ProxyOptions.UpstreamTrustedCertificates", // certificate objects
        "ProxyOptions.Addons", // the pipeline: ProxyPipeline composes it
        "ProxyOptions.FlowLimit", // each command chooses (dump keeps none, the console all)
        "ProxyOptions.LoggerFactory",
        "ProxyOptions.TimeProvider",
        "ProxyOptions.Limits", // its properties are listed one by one
        "HttpLimits.MaxHeadBytes", // no mitmproxy option; Kestrel's defaults
        "HttpLimits.MaxHeaderCount",
        "HttpLimits.HeadersTimeout",
        "HttpLimits.IdleTimeout",
        "HttpLimits.ResponseTimeout",
    ];

    private static readonly Type[] OptionTypes =
    [
        typeof(ProxyOptions), typeof(MitmFixture.Http.HttpLimits), typeof(MitmFixture.Addons.FeatureOptions),
        typeof(MitmFixture.Replay.ServerReplayOptions), typeof(MitmFixture.Cassettes.RedactionOptions), typeof(MitmFixture.Replay.ClientReplayOptions),
    ];

    [Fact]
    public void Registry_EveryOptionsProperty_HasAnOptionOrIsCodeOnly()
    {
        var targets = OptionRegistry.All.SelectMany(o => o.Target.Split(", ")).ToHashSet();
        var properties = OptionTypes.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null).Select(p => $"{t.Name}.{p.Name}"));

        Assert.All(properties, p => Assert.True(targets.Contains(p) || CodeOnly.Contains(p), $"{p} has no option in OptionRegistry and is not listed as code-only"));
        Assert.All(targets.Where(t => !t.StartsWith("ProxyConfiguration.", StringComparison.Ordinal)), t => Assert.Contains(t, properties));
    }

    public static TheoryData<string> Names() => [.. OptionRegistry.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Apply_Example_ChangesExactlyTheTargetedProperties(string name)
    {
        var option = OptionRegistry.Find(name)!;
        var before = Values(new ProxyConfiguration());

        var after = Values(option.Apply(new ProxyConfiguration(), option.Example));

        var changed = before.Keys.Where(k => before[k] != after[k]).Order();
        Assert.Equal(option.Target.Split(", ").Order(), changed);
    }

    [Fact]
    public void Registry_NamesAliasesAndFlags_AreUnique()
    {
        var names = OptionRegistry.All.SelectMany(o => o.Aliases.Prepend(o.Name)).ToList();
        var flags = OptionRegistry.All.SelectMany(o => o.Flags.Concat(o.NegativeFlag is { } off ? [off] : [])).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.Equal(flags.Count, flags.Distinct().Count());
        Assert.All(OptionRegistry.All, o => Assert.Matches("^[a-z][a-z0-9_]*$", o.Name));
    }

    [Theory]
    [InlineData("anticache", "yes", "expected true or false")]
    [InlineData("listen", "8080", "expected HOST:PORT")]
    [InlineData("body_size_limit", "0", "expected a size")]
    [InlineData("stream_large_bodies", "12q", "expected a size")]
    [InlineData("modify_headers", "abc", "modify_headers 'abc'")]
    [InlineData("map_remote", "/~q & (/a/b", "invalid filter")]
    [InlineData("proxyauth", "nocolon", "expected user:pass")]
    [InlineData("mode", "sideways:x", "sideways")]
    [InlineData("no_such_option", "1", "unknown option; known: listen, listen_host")]
    public void TryApply_BadValue_LeavesTheConfigurationAndSaysWhy(string name, string value, string message)
    {
        var configuration = new ProxyConfiguration();
        var original = configuration;

        Assert.False(OptionRegistry.TryApply(ref configuration, name, value, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Same(original, configuration);
    }

    // A secret field name given twice (a flag and config.yaml), in another case, or a default named
    // again is one name, as matching treats it: the option shows it once, the options hold it once.
    [Fact]
    public void RedactSecretFields_ANameGivenAgainInAnyCase_OrADefaultNamedAgain_IsHeldOnce()
    {
        var configuration = new ProxyConfiguration();
        foreach (var name in new[] { "pin", "PIN", "Password", "pin" })
        {
            Assert.True(OptionRegistry.TryApply(ref configuration, "redact_secret_fields", name, out _));
        }

        Assert.Equal("pin", OptionRegistry.Find("redact_secret_fields")!.Show(configuration));
        Assert.Equal([.. new RedactionOptions().SecretFields, "pin"], configuration.Redaction.SecretFields);
        Assert.Equal(["pin", "token"], new RedactionOptions { SecretFields = ["pin", "Pin", "token", "TOKEN"] }.SecretFields); // the typed API alike, first spelling kept
    }

    [Fact]
    public void RedactDefaults_OffThenExtraHeader_KeepsOnlyTheExtra()
    {
        var configuration = new ProxyConfiguration();
        Assert.True(OptionRegistry.TryApply(ref configuration, "redact_defaults", "false", out _));
        Assert.True(OptionRegistry.TryApply(ref configuration, "redact_headers", "X-Partner-Key", out _));

        Assert.Equal(["X-Partner-Key"], configuration.Redaction.Headers);
        Assert.Equal("false", OptionRegistry.Find("redact_defaults")!.Show(configuration));
        Assert.Equal("X-Partner-Key", OptionRegistry.Find("redact_headers")!.Show(configuration));
    }

    // X-Api-Key is a default credential header and the name users most often add themselves: listed in
    // redact_headers, it stays redacted when redact_defaults is turned off, before it or after it.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RedactHeaders_ADefaultNameListedToo_StaysRedactedWithDefaultsOff(bool defaultsOffFirst)
    {
        var configuration = new ProxyConfiguration();
        (string Name, string Value)[] steps = [("redact_defaults", "false"), ("redact_headers", "X-Api-Key")];
        foreach (var (name, value) in defaultsOffFirst ? steps : steps.Reverse())
        {
            Assert.True(OptionRegistry.TryApply(ref configuration, name, value, out _));
        }

        Assert.Equal(["X-Api-Key"], configuration.Redaction.Headers);
        Assert.Equal("X-Api-Key", OptionRegistry.Find("redact_headers")!.Show(configuration));
        Assert.True(OptionRegistry.TryApply(ref configuration, "redact_defaults", "true", out _));
        Assert.Contains("Authorization", configuration.Redaction.Headers);
        Assert.True(OptionRegistry.TryApply(ref configuration, "redact_headers", "X-Partner-Key", out _));
        Assert.Contains("X-Api-Key", configuration.Redaction.Headers); // still a default, and defaults are on
        Assert.Contains("X-Partner-Key", configuration.Redaction.Headers);
    }

    // mitmproxy's sizes (human.parse_size) take b, k, m, g and t; "1t" was refused here.
    [Theory]
    [InlineData("body_size_limit", "100b", 100, "100")]
    [InlineData("body_size_limit", "512k", 512L * 1024, "512k")]
    [InlineData("decode_limit", "2g", 2L << 30, "2g")]
    [InlineData("stream_large_bodies", "1t", 1L << 40, "1t")]
    [InlineData("stream_large_bodies", "1048576", 1L << 20, "1m")]
    public void Size_MitmproxysUnits_AreTakenAndShownBack(string name, string value, long bytes, string shown)
    {
        var configuration = new ProxyConfiguration();

        Assert.True(OptionRegistry.TryApply(ref configuration, name, value, out var error), error);

        Assert.Equal(bytes, name switch
        {
            "body_size_limit" => configuration.Proxy.Limits.MaxBufferedBodyBytes,
            "decode_limit" => configuration.Proxy.Limits.MaxDecodedBodyBytes,
            _ => configuration.Proxy.StreamLargeBodies,
        });
        Assert.Equal(shown, OptionRegistry.Find(name)!.Show(configuration));
    }

    // One range per limit: a value its option refuses is refused in the typed property too (the
    // fixture's, an embedder's), where body_size_limit 0, connect_timeout 0 or -1 s and a zero grace
    // period were taken (every body a 413; every connection closed unanswered).
    [Theory]
    [InlineData("body_size_limit", -1)]
    [InlineData("body_size_limit", 0)]
    [InlineData("decode_limit", 0)]
    [InlineData("stream_large_bodies", 0)]
    [InlineData("connect_timeout", 0)]
    [InlineData("connect_timeout", -1)]
    [InlineData("headers_timeout", 0)]
    [InlineData("keepalive_timeout", 0)]
    [InlineData("min_request_body_grace_period", 0)]
    [InlineData("min_response_grace_period", 0)]
    [InlineData("listen_port", 70000)]
    public void Validate_AValueTheOptionRefuses_IsRefusedTypedToo(string name, long value)
    {
        var configuration = new ProxyConfiguration();
        Assert.False(OptionRegistry.TryApply(ref configuration, name, value.ToString(System.Globalization.CultureInfo.InvariantCulture), out _));
        var time = TimeSpan.FromSeconds(value);
        var options = new ProxyOptions();
        var limits = options.Limits;
        options = name switch
        {
            "body_size_limit" => options with { Limits = limits with { MaxBufferedBodyBytes = value } },
            "decode_limit" => options with { Limits = limits with { MaxDecodedBodyBytes = value } },
            "stream_large_bodies" => options with { StreamLargeBodies = value },
            "connect_timeout" => options with { Limits = limits with { ConnectTimeout = time } },
            "headers_timeout" => options with { Limits = limits with { HeadersTimeout = time } },
            "keepalive_timeout" => options with { Limits = limits with { IdleTimeout = time } },
            "min_request_body_grace_period" => options with { Limits = limits with { MinRequestBodyDataRate = new MitmFixture.Http.MinDataRate(240, time) } },
            "min_response_grace_period" => options with { Limits = limits with { MinResponseDataRate = new MitmFixture.Http.MinDataRate(240, time) } },
            _ => options with { ListenPort = (int)value },
        };

        Assert.Contains(options.Validate(), e => e.StartsWith(name + ": ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_LimitsWithNoOptionName_ArePositiveToo()
    {
        var options = new ProxyOptions { Limits = new MitmFixture.Http.HttpLimits { MaxHeadBytes = 0, MaxHeaderCount = -1, ResponseTimeout = TimeSpan.Zero } };

        Assert.Equal(["HttpLimits.MaxHeadBytes: 0 must be positive", "HttpLimits.MaxHeaderCount: -1 must be positive", "HttpLimits.ResponseTimeout: 0 s must be positive"], options.Validate());
    }

    /// <summary>Every option property as text, keyed <c>Type.Property</c>: lists by their items, dictionaries by their keys.</summary>
    private static Dictionary<string, string> Values(ProxyConfiguration configuration)
    {
        var values = new Dictionary<string, string> { ["ProxyConfiguration.ServerReplayFiles"] = string.Join(",", configuration.ServerReplayFiles) };
        object[] objects = [configuration.Proxy, configuration.Proxy.Limits, configuration.Features, configuration.ServerReplay, configuration.Redaction, configuration.ClientReplay];
        foreach (var value in objects)
        {
            foreach (var property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is not null && p.Name != "Limits"))
            {
                values[$"{value.GetType().Name}.{property.Name}"] = property.GetValue(value) switch
                {
                    null => "null",
                    string text => text,
                    IDictionary dictionary => string.Join(",", dictionary.Keys.Cast<object>()),
                    IEnumerable items => string.Join(",", items.Cast<object>()),
                    var other => other.ToString() ?? "",
                };
            }
        }

        return values;
    }
}
