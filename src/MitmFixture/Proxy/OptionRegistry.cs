using MitmFixture.Addons;
using MitmFixture.Addons.Specs;
using MitmFixture.Replay;
using static MitmFixture.Proxy.OptionParsers;

namespace MitmFixture.Proxy;

/// <summary>
/// Every option, declared once, with mitmproxy's name (its <c>options.py</c>). The command line makes
/// its flags, <c>--set</c> names and options-file keys from this list (as mitmproxy's
/// <c>cmdline.py</c> does); the console's options screen lists it; tests check the fixture and the
/// README against it. Adding an option is one declaration here, plus the property it sets and the
/// addon that reads it.
/// </summary>
public static class OptionRegistry
{
    private static readonly IReadOnlyList<string> DefaultRedactedHeaders = new Cassettes.RedactionOptions().Headers;
    private static readonly IReadOnlyList<string> DefaultSecretFields = new Cassettes.RedactionOptions().SecretFields;

    /// <summary>Every option, in the order <c>--help</c> and the README list them.</summary>
    public static IReadOnlyList<OptionDefinition> All { get; } =
    [
        // ProxyOptions
        Text("listen", OptionGroup.Proxy, "ProxyOptions.ListenHost, ProxyOptions.ListenPort", "Address to listen on, HOST:PORT; port 0 picks a free port.", "HOST:PORT such as 127.0.0.1:8080", "localhost:0",
            c => Http.HostPort.Format(c.Proxy.ListenHost, c.Proxy.ListenPort), SetListen) with { ExtraFlags = ["-l"] },
        Text("listen_host", OptionGroup.Proxy, "ProxyOptions.ListenHost", "Address to listen on (loopback by default; a warning is logged beyond it).", "a host name or address", "localhost",
            c => c.Proxy.ListenHost, (c, v) => c with { Proxy = c.Proxy with { ListenHost = NotEmpty(v).Trim('[', ']') } }),
        Text("listen_port", OptionGroup.Proxy, "ProxyOptions.ListenPort", "Port to listen on; 0 picks a free port.", "a port, 0 to 65535", "0",
            c => c.Proxy.ListenPort.ToString(System.Globalization.CultureInfo.InvariantCulture), (c, v) => c with { Proxy = c.Proxy with { ListenPort = Port(v) } }) with { ExtraFlags = ["-p"] },
        Text("mode", OptionGroup.Proxy, "ProxyOptions.Mode", "regular, socks5, reverse:URL (http://, https:// or h2c:// for a cleartext HTTP/2 server, then HOST[:PORT]) or upstream:http://HOST[:PORT]; no scheme means https:// for no port or 443, else http://; no path, query or user.", "regular, socks5, reverse:URL or upstream:URL", "reverse:http://127.0.0.1:9",
            c => c.Proxy.Mode.ToString(), (c, v) => c with { Proxy = c.Proxy with { Mode = ProxyMode.Parse(v) } }) with { ExtraFlags = ["-m"] },
        Text("confdir", OptionGroup.Proxy, "ProxyOptions.CertificateDirectory", "Folder of the CA files and config.yaml.", "a folder", "/tmp/mitmfixture-ca",
            c => c.Proxy.CertificateDirectory ?? "~/.mitmfixture", (c, v) => c with { Proxy = c.Proxy with { CertificateDirectory = NotEmpty(v) } }, c => c with { Proxy = c.Proxy with { CertificateDirectory = null } }),
        Bool("ssl_insecure", OptionGroup.Proxy, "ProxyOptions.SslInsecure", "Do not verify server certificates.",
            c => c.Proxy.SslInsecure, (c, v) => c with { Proxy = c.Proxy with { SslInsecure = v } }),
        Bool("upstream_cert", OptionGroup.Proxy, "ProxyOptions.UpstreamCert", "Dial the server first and copy its certificate's names into ours.",
            c => c.Proxy.UpstreamCert, (c, v) => c with { Proxy = c.Proxy with { UpstreamCert = v } }),
        Bool("http2", OptionGroup.Proxy, "ProxyOptions.Http2", "Speak HTTP/2: offer h2 in ALPN to clients and servers (each stream is a flow).",
            c => c.Proxy.Http2, (c, v) => c with { Proxy = c.Proxy with { Http2 = v } }),
        List("ignore_hosts", OptionGroup.Proxy, "ProxyOptions.IgnoreHosts", "Regex matched against host:port; matching CONNECTs are tunnelled untouched and not recorded.", "a regular expression", "example\\.com:443",
            c => c.Proxy.IgnoreHosts, (c, v) => c with { Proxy = c.Proxy with { IgnoreHosts = v } }, Regex),
        List("allow_hosts", OptionGroup.Proxy, "ProxyOptions.AllowHosts", "Regex matched against host:port; only matching CONNECTs are intercepted, the rest tunnelled untouched.", "a regular expression", "example\\.com:443",
            c => c.Proxy.AllowHosts, (c, v) => c with { Proxy = c.Proxy with { AllowHosts = v } }, Regex),
        Text("stream_large_bodies", OptionGroup.Proxy, "ProxyOptions.StreamLargeBodies", "Bodies over this size are forwarded as they arrive, never held whole.", "a size such as 1m, 512k or 1048576", "1m",
            c => ShowSize(c.Proxy.StreamLargeBodies), (c, v) => c with { Proxy = c.Proxy with { StreamLargeBodies = Size(v) } }, c => c with { Proxy = c.Proxy with { StreamLargeBodies = null } }),
        Bool("stream_websockets", OptionGroup.Proxy, "ProxyOptions.StreamWebSockets", "Forward WebSocket frames at once; messages are still recorded, addons do not see them.",
            c => c.Proxy.StreamWebSockets, (c, v) => c with { Proxy = c.Proxy with { StreamWebSockets = v } }),
        Bool("keep_host_header", OptionGroup.Proxy, "ProxyOptions.KeepHostHeader", "In reverse mode, keep the client's Host instead of the target's.",
            c => c.Proxy.KeepHostHeader, (c, v) => c with { Proxy = c.Proxy with { KeepHostHeader = v } }),
        Text("body_size_limit", OptionGroup.Proxy, "HttpLimits.MaxBufferedBodyBytes", "The largest body or WebSocket message held in memory; larger bodies get 413 (requests) or 502 (responses) unless streamed, larger messages close the WebSocket with 1009.", "a size such as 256m", "1m",
            c => ShowSize(c.Proxy.Limits.MaxBufferedBodyBytes), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MaxBufferedBodyBytes = Size(v) } } }),
        Text("decode_limit", OptionGroup.Proxy, "HttpLimits.MaxDecodedBodyBytes", "The most a body may expand to when its Content-Encoding is undone; past it the body is kept and recorded encoded.", "a size such as 64m", "1m",
            c => ShowSize(c.Proxy.Limits.MaxDecodedBodyBytes), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MaxDecodedBodyBytes = Size(v) } } }),
        Text("connect_timeout", OptionGroup.Proxy, "HttpLimits.ConnectTimeout", "Seconds to open a TCP connection to a server; exceeded gives a 504.", "seconds, such as 10 or 2.5", "2.5",
            c => ShowSeconds(c.Proxy.Limits.ConnectTimeout), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { ConnectTimeout = Seconds(v) } } }),
        Text("headers_timeout", OptionGroup.Proxy, "HttpLimits.HeadersTimeout", "Seconds for a whole request head, from its first byte (not per read); exceeded gives a 408.", "seconds, such as 30 or 2.5", "2.5",
            c => ShowSeconds(c.Proxy.Limits.HeadersTimeout), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { HeadersTimeout = Seconds(v) } } }),
        Text("keepalive_timeout", OptionGroup.Proxy, "HttpLimits.IdleTimeout", "Seconds an idle keep-alive client connection stays open.", "seconds, such as 130 or 2.5", "2.5",
            c => ShowSeconds(c.Proxy.Limits.IdleTimeout), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { IdleTimeout = Seconds(v) } } }),
        Text("min_request_body_data_rate", OptionGroup.Proxy, "HttpLimits.MinRequestBodyDataRate", "Bytes per second a request body must average after its grace period; slower gives a 408. 0 turns it off.", "bytes per second, 0 for none", "500",
            c => ShowRate(c.Proxy.Limits.MinRequestBodyDataRate), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MinRequestBodyDataRate = Rate(v, c.Proxy.Limits.MinRequestBodyDataRate) } } }),
        Text("min_request_body_grace_period", OptionGroup.Proxy, "HttpLimits.MinRequestBodyDataRate", "Seconds before the request body rate is checked.", "seconds, such as 5", "1",
            c => c.Proxy.Limits.MinRequestBodyDataRate is { } r ? ShowSeconds(r.GracePeriod) : "", (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MinRequestBodyDataRate = GraceOf(c.Proxy.Limits.MinRequestBodyDataRate, v, "min_request_body_data_rate") } } }),
        Text("min_response_data_rate", OptionGroup.Proxy, "HttpLimits.MinResponseDataRate", "Bytes per second a client must read a response at: each write gets the grace period plus its size at this rate, or the connection is closed. 0 turns it off.", "bytes per second, 0 for none", "500",
            c => ShowRate(c.Proxy.Limits.MinResponseDataRate), (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MinResponseDataRate = Rate(v, c.Proxy.Limits.MinResponseDataRate) } } }),
        Text("min_response_grace_period", OptionGroup.Proxy, "HttpLimits.MinResponseDataRate", "Seconds of grace for each write to the client.", "seconds, such as 5", "1",
            c => c.Proxy.Limits.MinResponseDataRate is { } r ? ShowSeconds(r.GracePeriod) : "", (c, v) => c with { Proxy = c.Proxy with { Limits = c.Proxy.Limits with { MinResponseDataRate = GraceOf(c.Proxy.Limits.MinResponseDataRate, v, "min_response_data_rate") } } }),

        // FeatureOptions
        Bool("anticache", OptionGroup.Features, "FeatureOptions.Anticache", "Strip If-None-Match and If-Modified-Since so servers always send bodies.",
            c => c.Features.Anticache, (c, v) => c with { Features = c.Features with { Anticache = v } }),
        Bool("anticomp", OptionGroup.Features, "FeatureOptions.Anticomp", "Ask servers for uncompressed bodies (Accept-Encoding: identity).",
            c => c.Features.Anticomp, (c, v) => c with { Features = c.Features with { Anticomp = v } }),
        Text("proxyauth", OptionGroup.Features, "FeatureOptions.ProxyAuth", "Require proxy authentication: user:pass, @htpasswd (SHA1 entries) or any.", "user:pass, @htpasswd or any", "user:pass",
            c => c.Features.ProxyAuth ?? "", SetProxyAuth, c => c with { Features = c.Features with { ProxyAuth = null } }),
        List("modify_headers", OptionGroup.Features, "FeatureOptions.ModifyHeaders", "/filter/name/value: set (or with an empty value remove) a header on matching flows.", "/filter/name/value", "/~q/X-Example/1",
            c => c.Features.ModifyHeaders, (c, v) => c with { Features = c.Features with { ModifyHeaders = v } }, ModifyHeadersSpec) with { Aliases = ["setheaders"], ExtraFlags = ["-H"] },
        List("modify_body", OptionGroup.Features, "FeatureOptions.ModifyBody", "/filter/regex/replacement on decoded bodies; @file for the replacement.", "/filter/regex/replacement", "/~q/hello/bye",
            c => c.Features.ModifyBody, (c, v) => c with { Features = c.Features with { ModifyBody = v } }, ModifyBodySpec) with { Aliases = ["replacements"], ExtraFlags = ["-B"], AppliesLive = true },
        List("map_remote", OptionGroup.Features, "FeatureOptions.MapRemote", "/filter/url-regex/replacement: send matching requests elsewhere.", "/filter/url-regex/replacement", "|//example.com|//example.org",
            c => c.Features.MapRemote, (c, v) => c with { Features = c.Features with { MapRemote = v } }, MapRemoteSpec) with { ExtraFlags = ["-M"] },
        Text("stickycookie", OptionGroup.Features, "FeatureOptions.StickyCookie", "Filter: requests that get the cookies servers set earlier.", "a filter expression", "~d example.com",
            c => c.Features.StickyCookie ?? "", (c, v) => c with { Features = c.Features with { StickyCookie = Filter(v) } }, c => c with { Features = c.Features with { StickyCookie = null } }),
        Text("stickyauth", OptionGroup.Features, "FeatureOptions.StickyAuth", "Filter: requests that get the last Authorization header seen for their host.", "a filter expression", "~d example.com",
            c => c.Features.StickyAuth ?? "", (c, v) => c with { Features = c.Features with { StickyAuth = Filter(v) } }, c => c with { Features = c.Features with { StickyAuth = null } }),

        // Server replay
        List("server_replay", OptionGroup.ServerReplay, "ProxyConfiguration.ServerReplayFiles", "Answer matching requests from this cassette (server-side replay).", "a cassette file", "recordings/sample.json",
            c => c.ServerReplayFiles, (c, v) => c with { ServerReplayFiles = v }, NotEmpty) with { ExtraFlags = ["-S"] },
        List("server_replay_use_headers", OptionGroup.ServerReplay, "ServerReplayOptions.UseHeaders", "A header that must match too.", "a header name", "X-Tenant",
            c => c.ServerReplay.UseHeaders, (c, v) => c with { ServerReplay = c.ServerReplay with { UseHeaders = v } }, HeaderName),
        Bool("server_replay_ignore_content", OptionGroup.ServerReplay, "ServerReplayOptions.IgnoreContent", "Ignore request bodies when matching.",
            c => c.ServerReplay.IgnoreContent, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnoreContent = v } }),
        List("server_replay_ignore_params", OptionGroup.ServerReplay, "ServerReplayOptions.IgnoreParams", "A query parameter left out of matching.", "a parameter name", "ts",
            c => c.ServerReplay.IgnoreParams, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnoreParams = v } }, NotEmpty),
        List("server_replay_ignore_payload_params", OptionGroup.ServerReplay, "ServerReplayOptions.IgnorePayloadParams", "A urlencoded or multipart form field left out of matching.", "a field name", "csrf",
            c => c.ServerReplay.IgnorePayloadParams, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnorePayloadParams = v } }, NotEmpty),
        Bool("server_replay_ignore_host", OptionGroup.ServerReplay, "ServerReplayOptions.IgnoreHost", "Match any host.",
            c => c.ServerReplay.IgnoreHost, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnoreHost = v } }),
        Bool("server_replay_ignore_port", OptionGroup.ServerReplay, "ServerReplayOptions.IgnorePort", "Match any port.",
            c => c.ServerReplay.IgnorePort, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnorePort = v } }),
        List("server_replay_ignore_json_fields", OptionGroup.ServerReplay, "ServerReplayOptions.IgnoreJsonFields", "A JSON body field (by path) left out of matching (not in mitmproxy).", "a JSON path such as meta.timestamp", "requestId",
            c => c.ServerReplay.IgnoreJsonFields, (c, v) => c with { ServerReplay = c.ServerReplay with { IgnoreJsonFields = v } }, NotEmpty),
        Bool("server_replay_reuse", OptionGroup.ServerReplay, "ServerReplayOptions.Reuse", "Serve a recorded response more than once.",
            c => c.ServerReplay.Reuse, (c, v) => c with { ServerReplay = c.ServerReplay with { Reuse = v } }) with { Aliases = ["server_replay_nopop"] },
        Bool("server_replay_refresh", OptionGroup.ServerReplay, "ServerReplayOptions.Refresh", "Shift Date, Expires, Last-Modified and cookie expiry to now.",
            c => c.ServerReplay.Refresh, (c, v) => c with { ServerReplay = c.ServerReplay with { Refresh = v } }),
        Text("server_replay_extra", OptionGroup.ServerReplay, "ServerReplayOptions.Extra", "What unmatched requests get: forward, kill, 204, 400, 404, 500.", "forward, kill, 204, 400, 404 or 500", "404",
            c => ShowExtra(c.ServerReplay.Extra), (c, v) => c with { ServerReplay = c.ServerReplay with { Extra = ParseExtra(v) } }),
        Bool("server_replay_kill_extra", OptionGroup.ServerReplay, "ServerReplayOptions.KillExtra", "Kill requests that match no recording (the same as server_replay_extra=kill).",
            c => c.ServerReplay.KillExtra, (c, v) => c with { ServerReplay = c.ServerReplay with { KillExtra = v } }) with { Aliases = ["kill_extra"], ExtraFlags = ["-k"] },
        Bool("server_replay_websocket_match_by_order", OptionGroup.ServerReplay, "ServerReplayOptions.WebSocketMatchByOrder", "WebSocket replay: accept any client message where the recording has one.",
            c => c.ServerReplay.WebSocketMatchByOrder, (c, v) => c with { ServerReplay = c.ServerReplay with { WebSocketMatchByOrder = v } }),
        Bool("server_replay_websocket_delays", OptionGroup.ServerReplay, "ServerReplayOptions.WebSocketPlayDelays", "WebSocket replay: wait the recorded time (capped at 10 s) before each server message.",
            c => c.ServerReplay.WebSocketPlayDelays, (c, v) => c with { ServerReplay = c.ServerReplay with { WebSocketPlayDelays = v } }),

        // Redaction
        List("redact_headers", OptionGroup.Redaction, "RedactionOptions.Headers", "A header whose values are kept out of cassettes, besides the default ones.", "a header name", "X-Partner-Key",
            c => c.Redaction.Headers.Where(h => !IsDefaultHeader(h) || c.Redaction.AddedHeaders.Contains(h, StringComparer.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase).ToList(), SetRedactedHeaders, HeaderName),
        Bool("redact_defaults", OptionGroup.Redaction, "RedactionOptions.Headers", "Redact the default credential headers: Authorization, Proxy-Authorization, Cookie, Set-Cookie and the API key and token headers of common APIs (X-Api-Key, Api-Key, X-Auth-Token and others; RedactionOptions.Headers).",
            DefaultsOn, SetDefaultRedaction),
        // As redact_headers: the option holds the names added to the defaults (the OAuth fields), which it always keeps.
        List("redact_secret_fields", OptionGroup.Redaction, "RedactionOptions.SecretFields", "A field name whose values are secrets wherever it appears (JSON bodies at any depth, forms, queries), besides access_token, password and the other default ones.", "a field name", "pin",
            c => c.Redaction.SecretFields.Where(f => !DefaultSecretFields.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList(), (c, v) => c with { Redaction = c.Redaction with { SecretFields = [.. c.Redaction.SecretFields.Where(f => DefaultSecretFields.Contains(f, StringComparer.OrdinalIgnoreCase)), .. v] } }, NotEmpty),
        List("redact_query_params", OptionGroup.Redaction, "RedactionOptions.QueryParameters", "A query parameter whose values are kept out of cassettes.", "a parameter name", "api_key",
            c => c.Redaction.QueryParameters, (c, v) => c with { Redaction = c.Redaction with { QueryParameters = v } }, NotEmpty),
        List("redact_form_fields", OptionGroup.Redaction, "RedactionOptions.FormFields", "A URL-encoded form field whose values are kept out of cassettes.", "a field name", "password",
            c => c.Redaction.FormFields, (c, v) => c with { Redaction = c.Redaction with { FormFields = v } }, NotEmpty),
        List("redact_json_fields", OptionGroup.Redaction, "RedactionOptions.JsonFields", "A JSON body field (by path) whose values are kept out of cassettes.", "a JSON path such as auth.token", "token",
            c => c.Redaction.JsonFields, (c, v) => c with { Redaction = c.Redaction with { JsonFields = v } }, NotEmpty),
        List("redact_env", OptionGroup.Redaction, "RedactionOptions.Placeholders", "An environment variable whose value becomes <NAME> in cassettes and is put back on replay.", "an environment variable name", "API_KEY",
            c => c.Redaction.Placeholders.Keys.ToList(), SetRedactedVariables, NotEmpty),
        // A fixture property with no option left scan and redact unable to apply a project's choice, so the CI gate and the fix could disagree with the recording.
        Text("redact_min_secret_length", OptionGroup.Redaction, "RedactionOptions.MinimumSecretLength", "Secrets shorter than this are replaced in the header or field that names them but not searched for elsewhere, where they would hit innocent text (not in mitmproxy).", "a whole number of 1 or more, such as 4", "8",
            c => c.Redaction.MinimumSecretLength.ToString(System.Globalization.CultureInfo.InvariantCulture), (c, v) => c with { Redaction = c.Redaction with { MinimumSecretLength = AtLeastOne(v) } }),

        // Client replay
        Bool("client_replay_stop_on_error", OptionGroup.ClientReplay, "ClientReplayOptions.StopOnError", "Stop at the first request that fails.",
            c => c.ClientReplay.StopOnError, (c, v) => c with { ClientReplay = c.ClientReplay with { StopOnError = v } }) with { ExtraFlags = ["--stop-on-error"] },
    ];

    private static readonly Dictionary<string, OptionDefinition> ByName = All
        .SelectMany(o => o.Aliases.Prepend(o.Name).Select(name => (name, o)))
        .ToDictionary(p => p.name, p => p.o, StringComparer.Ordinal);

    /// <summary>The names for "known: ..." in errors.</summary>
    public static string KnownNames => string.Join(", ", All.Select(o => o.Name));

    /// <summary>The option called <paramref name="name"/> (or one of its aliases), or null.</summary>
    public static OptionDefinition? Find(string name) => ByName.GetValueOrDefault(name.Trim());

    /// <summary>
    /// Sets option <paramref name="name"/> to <paramref name="value"/>; on failure <paramref name="error"/>
    /// says why (an unknown name lists the known ones) and the configuration is unchanged.
    /// </summary>
    public static bool TryApply(ref ProxyConfiguration configuration, string name, string value, out string? error)
    {
        if (Find(name) is not { } option)
        {
            error = $"unknown option; known: {KnownNames}";
            return false;
        }

        try
        {
            configuration = option.Apply(configuration, value);
            error = null;
            return true;
        }
        catch (FormatException e)
        {
            error = e.Message; // each parser says what it expected, quoting what it got where that is safe
            return false;
        }
    }

    private static OptionDefinition Bool(string name, OptionGroup group, string target, string help, Func<ProxyConfiguration, bool> get, Func<ProxyConfiguration, bool, ProxyConfiguration> set) =>
        new(name, OptionType.Bool, group, help, "true or false", target, get(new ProxyConfiguration()) ? "false" : "true",
            (c, v) => set(c, OptionParsers.Bool(v)), c => get(c) ? "true" : "false")
        {
            Clearer = c => set(c, get(new ProxyConfiguration())),
        };

    /// <summary>One value; <paramref name="set"/> validates it, throwing <see cref="FormatException"/>.</summary>
    private static OptionDefinition Text(string name, OptionGroup group, string target, string help, string expected, string example, Func<ProxyConfiguration, string> show, Func<ProxyConfiguration, string, ProxyConfiguration> set, Func<ProxyConfiguration, ProxyConfiguration>? unset = null) =>
        new(name, OptionType.Text, group, help, expected, target, example, set, show) { Clearer = unset };

    /// <summary>Repeatable: each value is validated by <paramref name="validate"/> and added.</summary>
    private static OptionDefinition List(string name, OptionGroup group, string target, string help, string expected, string example, Func<ProxyConfiguration, IReadOnlyList<string>> get, Func<ProxyConfiguration, IReadOnlyList<string>, ProxyConfiguration> set, Func<string, string> validate) =>
        new(name, OptionType.List, group, help, expected, target, example, (c, v) => set(c, [.. get(c), validate(v)]), c => Show(get(c)))
        {
            Clearer = c => set(c, []),
            ListValues = get,
            ValidateItem = validate,
            AddItems = (c, values) => values.Count == 0 ? c : set(c, [.. get(c), .. values]),
        };

    /// <summary>
    /// A minimum data rate with the grace period <paramref name="text"/>. The period belongs to the
    /// rate, so while the rate is off (0) there is none to set: it was dropped without a word.
    /// </summary>
    private static Http.MinDataRate GraceOf(Http.MinDataRate? rate, string text, string rateName)
    {
        var grace = Seconds(text);
        return rate is null ? throw new FormatException($"no effect while {rateName} is 0 (off); set {rateName} too") : rate with { GracePeriod = grace };
    }

    private static UnmatchedPolicy ParseExtra(string text)
    {
        try
        {
            return ServerReplayOptions.ParseExtra(text);
        }
        catch (FormatException)
        {
            throw new FormatException("expected forward, kill, 204, 400, 404 or 500");
        }
    }

    private static ProxyConfiguration SetProxyAuth(ProxyConfiguration c, string text)
    {
        _ = ProxyAuthAddon.Parse(NotEmpty(text)); // reads an @htpasswd file now, so a missing one is reported where it was named
        return c with { Features = c.Features with { ProxyAuth = text } };
    }

    private static ProxyConfiguration SetListen(ProxyConfiguration c, string text)
    {
        var (host, port) = Listen(text);
        return c with { Proxy = c.Proxy with { ListenHost = host, ListenPort = port } };
    }

    // Each spec is parsed, and compiled by its addon (filter and regex), where it is given, so a bad
    // one is reported with its source (flag, --set, file line) rather than at start-up.
    private static string ModifyHeadersSpec(string text)
    {
        _ = ModifyHeadersAddon.Parse(text);
        return text;
    }

    private static string ModifyBodySpec(string text)
    {
        _ = new ModifyBodyAddon([ModifySpec.Parse(text, "modify_body")]);
        return text;
    }

    private static string MapRemoteSpec(string text)
    {
        _ = new MapRemoteAddon([ModifySpec.Parse(text, "map_remote")]);
        return text;
    }

    private static string ShowExtra(UnmatchedPolicy policy) => policy switch
    {
        UnmatchedPolicy.Kill => "kill",
        UnmatchedPolicy.NoContent204 => "204",
        UnmatchedPolicy.BadRequest400 => "400",
        UnmatchedPolicy.NotFound404 => "404",
        UnmatchedPolicy.ServerError500 => "500",
        _ => "forward",
    };

    /// <summary>Keeps the placeholders named in <paramref name="names"/> (their value sources too) and adds an environment variable for each new name.</summary>
    private static ProxyConfiguration SetRedactedVariables(ProxyConfiguration c, IReadOnlyList<string> names)
    {
        // One dictionary for all the names: one copy per name (and a list search per placeholder) made 20,000 names take minutes.
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var kept = c.Redaction.Placeholders.Where(p => wanted.Contains(p.Key)).ToDictionary();
        return c with { Redaction = (c.Redaction with { Placeholders = kept }).WithEnvironmentVariables(names.Where(n => !kept.ContainsKey(n))) };
    }

    private static bool IsDefaultHeader(string name) => DefaultRedactedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);

    private static bool DefaultsOn(ProxyConfiguration c) => DefaultRedactedHeaders.All(h => c.Redaction.Headers.Contains(h, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// redact_headers: the defaults as they stand (on or off) plus the names given. The names are also
    /// remembered (<see cref="Cassettes.RedactionOptions.AddedHeaders"/>), so one that is a default too
    /// (X-Api-Key) stays redacted when redact_defaults is turned off before or after it.
    /// </summary>
    private static ProxyConfiguration SetRedactedHeaders(ProxyConfiguration c, IReadOnlyList<string> names)
    {
        var on = DefaultsOn(c);
        var defaults = c.Redaction.Headers.Where(h => IsDefaultHeader(h) && (on || !c.Redaction.AddedHeaders.Contains(h, StringComparer.OrdinalIgnoreCase)));
        return c with { Redaction = c.Redaction with { Headers = [.. defaults, .. names], AddedHeaders = names } };
    }

    private static ProxyConfiguration SetDefaultRedaction(ProxyConfiguration c, bool on)
    {
        var others = c.Redaction.Headers.Where(h => !IsDefaultHeader(h)).Concat(c.Redaction.AddedHeaders).Distinct(StringComparer.OrdinalIgnoreCase);
        return c with { Redaction = c.Redaction with { Headers = on ? [.. DefaultRedactedHeaders, .. others.Where(h => !IsDefaultHeader(h))] : [.. others] } };
    }
}
