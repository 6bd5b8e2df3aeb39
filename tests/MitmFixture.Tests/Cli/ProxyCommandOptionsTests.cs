using MitmFixture.Http;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;
using MitmFixture.Xunit.Session;

namespace MitmFixture.Tests.Cli;

/// <summary>
/// Every option reaches the same setting through every surface: each of its flags, --set, a JSON
/// options file, a YAML options file, the conf dir's config.yaml and the fixture (by name and by its
/// typed properties). The table comes from the registry, so a new option is covered as declared.
/// </summary>
public sealed class ProxyCommandOptionsTests : IDisposable
{
    private readonly OptionSurfaces _surfaces = new();

    public static TheoryData<string, Surface> EveryOptionOnEverySurface()
    {
        var data = new TheoryData<string, Surface>();
        foreach (var option in OptionRegistry.All)
        {
            foreach (var surface in Enum.GetValues<Surface>().Where(s => !OptionSurfaces.ThroughFixture(s) || !OptionSurfaces.NotFixtureOptions.ContainsKey(option.Name)))
            {
                data.Add(option.Name, surface);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryOptionOnEverySurface))]
    public void Surface_ExampleValue_ReachesTheOptionItNamesAndNothingElse(string name, Surface surface)
    {
        var option = OptionRegistry.Find(name)!;
        var expected = OptionSurfaces.Snapshot(option.Apply(new ProxyConfiguration(), option.Example));
        var errors = new List<string>();

        var configuration = _surfaces.Configure(surface, option, option.Example, errors);

        Assert.Empty(errors);
        Assert.NotEqual(option.Default, option.Show(configuration));
        Assert.Equal(expected, OptionSurfaces.Snapshot(configuration));
    }

    public static TheoryData<string, string> EveryFlag()
    {
        var data = new TheoryData<string, string>();
        foreach (var option in OptionRegistry.All)
        {
            foreach (var flag in option.Flags)
            {
                data.Add(option.Name, flag);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryFlag))]
    public void Flag_EverySpelling_SetsItsOption(string name, string flag)
    {
        var option = OptionRegistry.Find(name)!;
        var errors = new List<string>();

        var configuration = _surfaces.Configure(Surface.Flag, option, option.Type == OptionType.Bool ? "true" : option.Example, errors, flag);

        Assert.Empty(errors);
        Assert.Equal(option.Show(option.Apply(new ProxyConfiguration(), option.Type == OptionType.Bool ? "true" : option.Example)), option.Show(configuration));
    }

    [Fact]
    public void Set_EveryAlias_SetsItsOption()
    {
        var aliases = OptionRegistry.All.SelectMany(o => o.Aliases.Select(a => (Option: o, Alias: a))).ToList();
        Assert.NotEmpty(aliases);
        foreach (var (option, alias) in aliases)
        {
            var errors = new List<string>();
            var configuration = _surfaces.Parse(["--set", $"{alias}={option.Example}"], errors);
            Assert.Empty(errors);
            Assert.NotEqual(option.Default, option.Show(configuration));
        }
    }

    /// <summary>The fixture's typed properties, one per option: a new option without one here fails the coverage test below.</summary>
    private static readonly Dictionary<string, Func<FixtureOptions, FixtureOptions>> Typed = new()
    {
        ["mode"] = o => o with { Proxy = o.Proxy with { Mode = ProxyMode.Reverse("http://127.0.0.1:9") } },
        ["ssl_insecure"] = o => o with { Proxy = o.Proxy with { SslInsecure = true } },
        ["upstream_cert"] = o => o with { Proxy = o.Proxy with { UpstreamCert = false } },
        ["http2"] = o => o with { Proxy = o.Proxy with { Http2 = false } },
        ["ignore_hosts"] = o => o with { Proxy = o.Proxy with { IgnoreHosts = ["example\\.com:443"] } },
        ["allow_hosts"] = o => o with { Proxy = o.Proxy with { AllowHosts = ["example\\.com:443"] } },
        ["stream_large_bodies"] = o => o with { Proxy = o.Proxy with { StreamLargeBodies = 1024 * 1024 } },
        ["stream_websockets"] = o => o with { Proxy = o.Proxy with { StreamWebSockets = true } },
        ["keep_host_header"] = o => o with { Proxy = o.Proxy with { KeepHostHeader = true } },
        ["body_size_limit"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MaxBufferedBodyBytes = 1024 * 1024 } } },
        ["decode_limit"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MaxDecodedBodyBytes = 1024 * 1024 } } },
        ["connect_timeout"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { ConnectTimeout = TimeSpan.FromSeconds(2.5) } } },
        ["headers_timeout"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { HeadersTimeout = TimeSpan.FromSeconds(2.5) } } },
        ["keepalive_timeout"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { IdleTimeout = TimeSpan.FromSeconds(2.5) } } },
        ["min_request_body_data_rate"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MinRequestBodyDataRate = new MinDataRate(500, TimeSpan.FromSeconds(5)) } } },
        ["min_request_body_grace_period"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MinRequestBodyDataRate = new MinDataRate(240, TimeSpan.FromSeconds(1)) } } },
        ["min_response_data_rate"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MinResponseDataRate = new MinDataRate(500, TimeSpan.FromSeconds(5)) } } },
        ["min_response_grace_period"] = o => o with { Proxy = o.Proxy with { Limits = o.Proxy.Limits with { MinResponseDataRate = new MinDataRate(240, TimeSpan.FromSeconds(1)) } } },
        ["anticache"] = o => o with { Features = o.Features with { Anticache = true } },
        ["anticomp"] = o => o with { Features = o.Features with { Anticomp = true } },
        ["proxyauth"] = o => o with { Features = o.Features with { ProxyAuth = "user:pass" } },
        ["modify_headers"] = o => o with { Features = o.Features with { ModifyHeaders = ["/~q/X-Example/1"] } },
        ["modify_body"] = o => o with { Features = o.Features with { ModifyBody = ["/~q/hello/bye"] } },
        ["map_remote"] = o => o with { Features = o.Features with { MapRemote = ["|//example.com|//example.org"] } },
        ["stickycookie"] = o => o with { Features = o.Features with { StickyCookie = "~d example.com" } },
        ["stickyauth"] = o => o with { Features = o.Features with { StickyAuth = "~d example.com" } },
        ["server_replay_use_headers"] = o => o with { Replay = o.Replay with { UseHeaders = ["X-Tenant"] } },
        ["server_replay_ignore_content"] = o => o with { Replay = o.Replay with { IgnoreContent = true } },
        ["server_replay_ignore_params"] = o => o with { Replay = o.Replay with { IgnoreParams = ["ts"] } },
        ["server_replay_ignore_payload_params"] = o => o with { Replay = o.Replay with { IgnorePayloadParams = ["csrf"] } },
        ["server_replay_ignore_host"] = o => o with { Replay = o.Replay with { IgnoreHost = true } },
        ["server_replay_ignore_port"] = o => o with { Replay = o.Replay with { IgnorePort = true } },
        ["server_replay_ignore_json_fields"] = o => o with { Replay = o.Replay with { IgnoreJsonFields = ["requestId"] } },
        ["server_replay_reuse"] = o => o with { Replay = o.Replay with { Reuse = true } },
        ["server_replay_refresh"] = o => o with { Replay = o.Replay with { Refresh = false } },
        ["server_replay_websocket_match_by_order"] = o => o with { Replay = o.Replay with { WebSocketMatchByOrder = true } },
        ["server_replay_websocket_delays"] = o => o with { Replay = o.Replay with { WebSocketPlayDelays = false } },
        ["redact_headers"] = o => o with { Redaction = o.Redaction with { Headers = [.. o.Redaction.Headers, "X-Partner-Key"] } },
        ["redact_defaults"] = o => o with { Redaction = o.Redaction with { Headers = [] } },
        ["redact_secret_fields"] = o => o with { Redaction = o.Redaction with { SecretFields = [.. o.Redaction.SecretFields, "pin"] } },
        ["redact_query_params"] = o => o with { Redaction = o.Redaction with { QueryParameters = ["api_key"] } },
        ["redact_form_fields"] = o => o with { Redaction = o.Redaction with { FormFields = ["password"] } },
        ["redact_json_fields"] = o => o with { Redaction = o.Redaction with { JsonFields = ["token"] } },
        ["redact_env"] = o => o with { Redaction = o.Redaction.WithEnvironmentVariable("API_KEY") },
        ["redact_min_secret_length"] = o => o with { Redaction = o.Redaction with { MinimumSecretLength = 8 } },
    };

    [Fact]
    public void Fixture_EveryOption_HasATypedPropertyOrAReasonItIsNotTheFixtures()
    {
        var names = OptionRegistry.All.Select(o => o.Name).ToHashSet();

        Assert.Equal(names.Order(), Typed.Keys.Concat(OptionSurfaces.NotFixtureOptions.Keys).Order());
        foreach (var name in OptionSurfaces.NotFixtureOptions.Keys)
        {
            var refused = Record.Exception(() => new FixtureOptions().With(name, OptionRegistry.Find(name)!.Example));
            Assert.True(refused is ArgumentException, $"{name} is not a fixture option, yet FixtureOptions.With took it");
        }
    }

    public static TheoryData<string> TypedOptions() => [.. Typed.Keys];

    [Theory]
    [MemberData(nameof(TypedOptions))]
    public void Fixture_TypedProperty_MatchesTheCommandLine(string name)
    {
        var option = OptionRegistry.Find(name)!;
        var errors = new List<string>();
        var fromCommandLine = _surfaces.Configure(Surface.Set, option, option.Example, errors);

        var fromFixture = Typed[name](new FixtureOptions()).Configuration;

        Assert.Empty(errors);
        Assert.Equal(OptionSurfaces.Snapshot(fromCommandLine), OptionSurfaces.Snapshot(fromFixture));
    }

    [Fact]
    public void Build_Sources_FlagsWinOverSetOverFilesAndListsAddUp()
    {
        var errors = new List<string>();
        var file = Path.Combine(Path.GetTempPath(), $"mitmfixture-order-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "mode: upstream:http://127.0.0.1:1\nmodify_headers:\n  - /~q/X-File/1\nanticache: true\n");
        try
        {
            var configuration = _surfaces.Parse(["--options", file, "--set", "mode=reverse:http://127.0.0.1:2", "--mode", "reverse:http://127.0.0.1:3", "-H", "/~q/X-Flag/1", "--set", "modify_headers=/~q/X-Set/1", "--no-anticache"], errors);

            Assert.Empty(errors);
            Assert.Equal("reverse:http://127.0.0.1:3", configuration.Proxy.Mode.ToString());
            Assert.Equal(["/~q/X-File/1", "/~q/X-Set/1", "/~q/X-Flag/1"], configuration.Features.ModifyHeaders);
            Assert.False(configuration.Features.Anticache);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Set_ABooleanWithoutAValue_TurnsItOn()
    {
        var errors = new List<string>();

        var configuration = _surfaces.Parse(["--set", "anticache", "--set", "server_replay_nopop"], errors);

        Assert.Empty(errors);
        Assert.True(configuration.Features.Anticache);
        Assert.True(configuration.ServerReplay.Reuse);
    }

    [Theory]
    [InlineData(new[] { "--set", "nonsense=1" }, "--set nonsense: unknown option; known: listen, ")]
    [InlineData(new[] { "--set", "stream_large_bodies=lots" }, "--set stream_large_bodies=lots: expected a size such as 1m")]
    [InlineData(new[] { "--set", "=1" }, "--set '=1': expected NAME=VALUE")]
    [InlineData(new[] { "--connect-timeout", "-1" }, "--connect-timeout '-1': expected a number of seconds")]
    [InlineData(new[] { "--listen-port", "70000" }, "--listen-port '70000': expected a port")]
    [InlineData(new[] { "--stickycookie", "~q & (" }, "--stickycookie '~q & (': expected a filter expression")]
    [InlineData(new[] { "--ignore-hosts", "(" }, "--ignore-hosts '(': expected a regular expression")]
    [InlineData(new[] { "--ignore-hosts", "a", "--allow-hosts", "b" }, "ignore_hosts and allow_hosts are mutually exclusive")]
    [InlineData(new[] { "--server-replay-extra", "302" }, "expected forward, kill, 204, 400, 404 or 500")]
    [InlineData(new[] { "--redact-headers", "Bad Name" }, "--redact-headers 'Bad Name': header name \"Bad Name\" has a space at offset 3; expected a token (RFC 9110 §5.6.2)")]
    [InlineData(new[] { "--redact-headers", "X(1)" }, "--redact-headers 'X(1)': header name \"X(1)\" has '(' (U+0028) at offset 1; expected a token")]
    [InlineData(new[] { "--server-replay-use-headers", "X Tenant" }, "--server-replay-use-headers 'X Tenant': header name \"X Tenant\" has a space at offset 1; expected a token")]
    [InlineData(new[] { "-H", "/~q/bad name/1" }, "--modify-headers '/~q/bad name/1': modify_headers '/~q/bad name/1': header name \"bad name\" has a space at offset 3; expected a token (RFC 9110 §5.6.2)")]
    [InlineData(new[] { "--set", "modify_headers=/bad:name/1" }, "--set modify_headers=/bad:name/1: modify_headers '/bad:name/1': header name \"bad:name\" has ':' (U+003A) at offset 3; expected a token")]
    [InlineData(new[] { "--mode", "upstream:notaurl" }, "--mode 'upstream:notaurl': mode 'upstream:notaurl': the upstream proxy must be reached over http:// (with no scheme")]
    [InlineData(new[] { "--set", "mode=upstream:proxy" }, "--set mode=upstream:proxy: mode 'upstream:proxy': the upstream proxy must be reached over http://")]
    [InlineData(new[] { "--mode", "upstream:http://proxy:3128/path" }, "expected upstream:[http://]host[:port]")]
    [InlineData(new[] { "--mode", "upstream:http://user:secret@proxy:3128" }, "expected upstream:[http://]host[:port]")]
    [InlineData(new[] { "--mode", "reverse:example.com:8443/api" }, "mode 'reverse:example.com:8443/api': expected reverse:[http(s)://]host[:port] or reverse:h2c://host[:port]")]
    [InlineData(new[] { "--mode", "reverse:https://example.com/api?x=1" }, "expected reverse:[http(s)://]host[:port]")]
    public void Build_BadValue_ReportsWhereAndWhatWasExpected(string[] arguments, string message)
    {
        var errors = new List<string>();

        _surfaces.Parse(arguments, errors);

        Assert.Contains(errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("options.json", "{\n  \"anticache\": \"yes\",\n  // a comment\n  \"colour\": 1,\n  \"mode\": [\"regular\"],\n}", new[] { ":2: \"anticache\": expected true or false", ":4: \"colour\": unknown option; known: ", ":5: \"mode\": expected regular, socks5, reverse:URL or upstream:URL, not a list" })]
    [InlineData("options.yaml", "anticache: yes\n\ncolour: 1\nmode:\n  - regular\nmodify_headers: {a: 1}\n", new[] { ":1: \"anticache\": expected true or false", ":3: \"colour\": unknown option", ":4: \"mode\": expected regular, socks5, reverse:URL or upstream:URL, not a list", ":6: \"modify_headers\": expected a string" })]
    [InlineData("broken.yaml", "a: [1,\n", new[] { "expected a YAML mapping of option names" })]
    [InlineData("broken.json", "{\"a\": }", new[] { ":1: expected a JSON object of option names" })]
    [InlineData("list.json", "[1]", new[] { ": expected a JSON object of option names" })]
    [InlineData("empty-list.json", "{\"confdir\": [], \"mode\": {\"a\": 1}}", new[] { ":1: \"confdir\": expected a folder, not a list", ":1: \"mode\": expected a string" })]
    [InlineData("empty-list.yaml", "confdir: []\nmode:\n", new[] { ":1: \"confdir\": expected a folder, not a list", ":2: \"mode\": a value is needed: expected regular" })]
    [InlineData("headers.yaml", "modify_headers:\n  - /~q/X-Good/1\n  - /~q/bad name/1\nmode: upstream:notaurl\n", new[] { ":1: \"modify_headers\": modify_headers '/~q/bad name/1': header name \"bad name\" has a space", ":4: \"mode\": mode 'upstream:notaurl': the upstream proxy must be reached over http://" })]
    [InlineData("headers.json", "{\"setheaders\": [\"/~q/bad name/1\"], \"mode\": \"upstream:notaurl\"}", new[] { ":1: \"setheaders\": modify_headers '/~q/bad name/1': header name \"bad name\" has a space", ":1: \"mode\": mode 'upstream:notaurl': the upstream proxy must be reached over http://" })]
    public void OptionsFile_BadKeysAndValues_NameTheFileLineAndKey(string fileName, string text, string[] messages)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-{fileName}");
        File.WriteAllText(path, text);
        try
        {
            var errors = new List<string>();
            _surfaces.Parse(["--options", path], errors);

            foreach (var message in messages)
            {
                Assert.Contains(errors, e => e.StartsWith("--options " + path, StringComparison.Ordinal) && e.Contains(message, StringComparison.Ordinal));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    // An empty confdir unsets it, as an empty value does every option: the default conf dir's config.yaml
    // is read, never a config.yaml in the current folder (Path.Combine("", "config.yaml") was that).
    [Fact]
    public void Confdir_SetEmpty_MeansTheDefaultConfDir()
    {
        Directory.CreateDirectory(Path.Combine(_surfaces.Home, ".mitmfixture"));
        File.WriteAllText(Path.Combine(_surfaces.Home, ".mitmfixture", "config.yaml"), "anticache: true\n");
        var errors = new List<string>();

        var configuration = _surfaces.Parse(["--set", "confdir="], errors);

        Assert.Empty(errors);
        Assert.True(configuration.Features.Anticache);
    }

    // mitmproxy reads ~/.mitmproxy/config.yaml only when it is a file; a folder there was skipped as if absent.
    [Fact]
    public void ConfigYaml_AFolder_IsRefusedNamingItsPath()
    {
        var confdir = Directory.CreateTempSubdirectory("mitmfixture-confdir-").FullName;
        try
        {
            var configYaml = Directory.CreateDirectory(Path.Combine(confdir, "config.yaml")).FullName;
            var errors = new List<string>();

            _surfaces.Parse(["--confdir", confdir], errors);

            Assert.Equal($"{configYaml}: cannot read it: it is a folder, not a file", Assert.Single(errors));
        }
        finally
        {
            Directory.Delete(confdir, recursive: true);
        }
    }

    // Flags are offered per command (client_replay_stop_on_error only on client-replay); --set took it anywhere and did nothing.
    [Theory]
    [InlineData("client_replay_stop_on_error=true")]
    [InlineData("client_replay_stop_on_error")]
    public void Set_AnOptionOfAnotherCommand_IsRefusedNamingItsCommand(string set)
    {
        var errors = new List<string>();

        _surfaces.Parse(["--set", set], errors, [OptionGroup.Proxy, OptionGroup.Features, OptionGroup.ServerReplay, OptionGroup.Redaction]);

        Assert.Equal($"--set {set}: client_replay_stop_on_error applies to client-replay only", Assert.Single(errors));
    }

    // config.yaml is read by every command, so it may hold another command's options: checked, kept, not refused.
    [Fact]
    public void ConfigYaml_AnOptionOfAnotherCommand_IsCheckedButNotRefused()
    {
        var commandGroups = new[] { OptionGroup.Proxy, OptionGroup.Features, OptionGroup.ServerReplay, OptionGroup.Redaction };
        var confdir = Directory.CreateTempSubdirectory("mitmfixture-confdir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(confdir, "config.yaml"), "client_replay_stop_on_error: true\n");
            var good = new List<string>();
            _surfaces.Parse(["--confdir", confdir], good, commandGroups);

            File.WriteAllText(Path.Combine(confdir, "config.yaml"), "client_replay_stop_on_error: maybe\n");
            var bad = new List<string>();
            _surfaces.Parse(["--confdir", confdir], bad, commandGroups);

            Assert.Empty(good);
            Assert.Contains(": \"client_replay_stop_on_error\": expected true or false", Assert.Single(bad), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(confdir, recursive: true);
        }
    }

    public static TheoryData<string> ProxyCommands() => ["dump", "record", "replay", "client-replay", "console"];

    [Theory]
    [MemberData(nameof(ProxyCommands))]
    public void Command_EveryRegistryFlagOfItsGroups_IsOffered(string name)
    {
        System.CommandLine.Command command = name switch
        {
            "dump" => MitmFixture.Cli.Commands.DumpCommand.Create(),
            "record" => MitmFixture.Cli.Commands.RecordCommand.Create(),
            "replay" => MitmFixture.Cli.Commands.ReplayCommand.Create(),
            "client-replay" => MitmFixture.Cli.Commands.ClientReplayCommand.Create(),
            _ => MitmFixture.Cli.Commands.ConsoleCommand.Create(),
        };
        var offered = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();
        var groups = name == "client-replay" ? Enum.GetValues<OptionGroup>() : Enum.GetValues<OptionGroup>().Where(g => g != OptionGroup.ClientReplay);

        var missing = OptionRegistry.All.Where(o => groups.Contains(o.Group)).SelectMany(o => o.Flags.Append(o.NegativeFlag).OfType<string>()).Where(f => !offered.Contains(f));

        Assert.Empty(missing);
        Assert.Contains("--set", offered);
        Assert.Contains("--options", offered);
    }

    // One declaration per option: the commands that rewrite or check cassettes take the redaction
    // options exactly as convert does, and no other group's (redact and scan also keep redact's older flags).
    [Theory]
    [InlineData("convert")]
    [InlineData("redact")]
    [InlineData("scan")]
    public void CassetteCommand_OffersEveryRedactionOption_AndNoOther(string name)
    {
        System.CommandLine.Command command = name switch
        {
            "convert" => MitmFixture.Cli.Commands.ConvertCommand.Create(),
            "redact" => MitmFixture.Cli.Commands.CassetteUpkeepCommands.Redact(),
            _ => MitmFixture.Cli.Commands.CassetteUpkeepCommands.Scan(),
        };
        var offered = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();
        var flags = OptionRegistry.All.ToDictionary(o => o, o => o.Flags.Append(o.NegativeFlag).OfType<string>().ToList());

        Assert.All(flags.Where(f => f.Key.Group == OptionGroup.Redaction).SelectMany(f => f.Value), flag => Assert.Contains(flag, offered));
        Assert.All(flags.Where(f => f.Key.Group != OptionGroup.Redaction).SelectMany(f => f.Value), flag => Assert.DoesNotContain(flag, offered));
        Assert.Contains("--set", offered);
        Assert.Contains("--options", offered);
        if (name != "convert")
        {
            var field = command.Options.Single(o => o.Name == "--redact-secret-fields");
            Assert.Contains("--field", field.Aliases); // the same option object, not a second declaration
        }
    }

    // mitmproxy's --set NAME without a value empties a list and unsets an optional value; here it was
    // refused (or checked as an empty spec), so a list config.yaml or an options file set could not be taken back.
    [Fact]
    public void Set_NameAlone_EmptiesAListOrUnsetsAValueGivenBefore()
    {
        var confdir = Directory.CreateTempSubdirectory("mitmfixture-confdir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(confdir, "config.yaml"), "modify_headers: [/~q/X-Config/1]\nstickycookie: ~d example.com\nstream_large_bodies: 1m\nproxyauth: user:pass\nredact_env: [API_KEY]\n");
            var errors = new List<string>();

            var configuration = _surfaces.Parse(["--confdir", confdir, "--set", "modify_headers", "--set", "stickycookie", "--set", "stream_large_bodies=", "--set", "proxyauth=", "--set", "redact_env", "-H", "/~q/X-Flag/1"], errors);

            Assert.Empty(errors);
            Assert.Equal(["/~q/X-Flag/1"], configuration.Features.ModifyHeaders); // flags come after --set, and add
            Assert.Null(configuration.Features.StickyCookie);
            Assert.Null(configuration.Proxy.StreamLargeBodies);
            Assert.Null(configuration.Features.ProxyAuth);
            Assert.Empty(configuration.Redaction.Placeholders);
        }
        finally
        {
            Directory.Delete(confdir, recursive: true);
        }
    }

    [Theory]
    [InlineData("mode", "--set mode: a value is needed: expected regular, socks5, reverse:URL or upstream:URL")]
    [InlineData("listen_port=", "--set listen_port=: expected a port, 0 to 65535")]
    [InlineData("anticache=", "--set anticache=: expected true or false")]
    [InlineData("modify_headers=", "--set modify_headers=: modify_headers '': expected /filter/subject/replacement")]
    public void Set_NoValueForAnOptionThatNeedsOne_SaysSo(string set, string message)
    {
        var errors = new List<string>();

        _surfaces.Parse(["--set", set], errors);

        Assert.StartsWith(message, Assert.Single(errors), StringComparison.Ordinal);
    }

    // A null in a file is YAML's and JSON's "no value": the option goes back as --set NAME alone sends it.
    // YamlStream does not resolve tags, so "stickyauth: null" was the filter "null" and "listen_host: ~" the host "~".
    [Theory]
    [InlineData("nulls.yaml", "modify_headers:\nstickyauth: null\nstream_large_bodies: ~\nanticache: NULL\n")]
    [InlineData("nulls.json", "{ \"modify_headers\": null, \"stickyauth\": null, \"stream_large_bodies\": null, \"anticache\": null }")]
    public void OptionsFile_Null_SetsTheOptionBackOverConfigYaml(string fileName, string text)
    {
        var confdir = Directory.CreateTempSubdirectory("mitmfixture-confdir-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(confdir, "config.yaml"), "modify_headers: [/~q/X-Config/1]\nstickyauth: ~d example.com\nstream_large_bodies: 1m\nanticache: true\n");
            var file = Path.Combine(confdir, fileName);
            File.WriteAllText(file, text);
            var errors = new List<string>();

            var configuration = _surfaces.Parse(["--confdir", confdir, "--options", file], errors);

            Assert.Empty(errors);
            Assert.Empty(configuration.Features.ModifyHeaders);
            Assert.Null(configuration.Features.StickyAuth);
            Assert.Null(configuration.Proxy.StreamLargeBodies);
            Assert.False(configuration.Features.Anticache);
        }
        finally
        {
            Directory.Delete(confdir, recursive: true);
        }
    }

    [Theory]
    [InlineData("text.yaml", "stickyauth: 'null'\nlisten_host: \"~\"\n")] // quoted, it is the text
    public void OptionsFile_QuotedNull_IsTheText(string fileName, string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-{fileName}");
        File.WriteAllText(path, text);
        try
        {
            var errors = new List<string>();

            var configuration = _surfaces.Parse(["--options", path], errors);

            Assert.Empty(errors);
            Assert.Equal("null", configuration.Features.StickyAuth);
            Assert.Equal("~", configuration.Proxy.ListenHost);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("null.yaml", "anticomp: true\nlisten_host: ~\nmode:\n", new[] { ":2: \"listen_host\": a value is needed: expected a host name or address", ":3: \"mode\": a value is needed: expected regular" })]
    [InlineData("null.json", "{\n  \"listen_host\": null,\n  \"modify_headers\": [null]\n}", new[] { ":2: \"listen_host\": a value is needed", ":3: \"modify_headers\": expected a string, a number, true/false, a list of strings or null" })]
    public void OptionsFile_NullForAnOptionThatNeedsAValue_NamesItsLine(string fileName, string text, string[] messages)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-{fileName}");
        File.WriteAllText(path, text);
        try
        {
            var errors = new List<string>();

            _surfaces.Parse(["--options", path], errors);

            Assert.Equal(messages.Length, errors.Count);
            Assert.All(messages.Zip(errors), pair => Assert.StartsWith($"--options {path}{pair.First}", pair.Second, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The JSON reader stopped at the end of the first object: a second object's keys, or anything else
    // after it, were dropped without a word, where a second YAML document is refused.
    [Theory]
    [InlineData("{ \"anticache\": true }\n{ \"anticomp\": true }\n", ":2: expected a JSON object of option names: '{' is invalid after a single JSON value")]
    [InlineData("{ \"anticache\": true }\n\n  anticomp: true\n", ":3: expected a JSON object of option names: 'a' is invalid after a single JSON value")]
    public void OptionsFile_JsonWithMoreAfterTheObject_IsRefusedAtItsLine(string json, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-options.json");
        File.WriteAllText(path, json);
        try
        {
            var errors = new List<string>();

            var configuration = _surfaces.Parse(["--options", path], errors);

            Assert.StartsWith($"--options {path}{message}", Assert.Single(errors), StringComparison.Ordinal);
            Assert.False(configuration.Features.Anticache); // nothing of a file that does not read whole is applied
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OptionsFile_JsonWithACommentAfterTheObject_IsRead()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-options.json");
        File.WriteAllText(path, "{ \"anticache\": true }\n// the end\n\n");
        try
        {
            var errors = new List<string>();

            var configuration = _surfaces.Parse(["--options", path], errors);

            Assert.Empty(errors);
            Assert.True(configuration.Features.Anticache);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // A value of the wrong shape (a mapping, a list of mappings) was reported before every other error,
    // out of line order; now each error is where its key is.
    [Fact]
    public void OptionsFile_Errors_AreInLineOrder()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}-options.yaml");
        File.WriteAllText(path, "anticache: yes\nmodify_headers: {a: 1}\nlisten_port: lots\nredact_headers: [{b: 2}]\n");
        try
        {
            var errors = new List<string>();

            _surfaces.Parse(["--options", path], errors);

            Assert.Equal([1, 2, 3, 4], errors.Select(e => int.Parse(e[$"--options {path}:".Length..e.IndexOf(": ", StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // The grace period is part of the rate: with the rate off there is none, and a period given then was dropped unread.
    [Theory]
    [InlineData("min_request_body_data_rate", "min_request_body_grace_period", "--min-request-body-grace-period")]
    [InlineData("min_response_data_rate", "min_response_grace_period", "--min-response-grace-period")]
    public void GracePeriod_WhileItsRateIsOff_IsRefusedNotDropped(string rate, string grace, string flag)
    {
        var errors = new List<string>();

        var configuration = _surfaces.Parse(["--set", $"{rate}=0", flag, "3"], errors);

        Assert.Equal($"{flag} '3': no effect while {rate} is 0 (off); set {rate} too", Assert.Single(errors));
        Assert.Equal("", OptionRegistry.Find(grace)!.Show(configuration)); // shown as unset, not as a "0" it would refuse
    }

    public void Dispose() => _surfaces.Dispose();
}
