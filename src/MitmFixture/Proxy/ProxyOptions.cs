using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tls;

namespace MitmFixture.Proxy;

/// <summary>Everything the proxy engine needs to start. Validated once by <see cref="ProxyServer.StartAsync"/>.</summary>
public sealed record ProxyOptions
{
    /// <summary>Address to listen on. Default <c>127.0.0.1</c>: the proxy never listens beyond loopback unless told to.</summary>
    public string ListenHost { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on. Default 8080; 0 picks a free port (see <see cref="ProxyServer.Endpoint"/>).</summary>
    public int ListenPort { get; init; } = 8080;

    /// <summary>Regular, reverse or upstream. Default regular.</summary>
    public ProxyMode Mode { get; init; } = ProxyMode.Regular;

    /// <summary>The CA that signs interception certificates. Default: loaded or created in <see cref="CertificateDirectory"/>.</summary>
    public CertificateAuthority? CertificateAuthority { get; init; }

    /// <summary>Where the CA lives when <see cref="CertificateAuthority"/> is not given. Default <c>~/.mitmfixture</c>.</summary>
    public string? CertificateDirectory { get; init; }

    /// <summary>
    /// Offer HTTP/2 (ALPN <c>h2</c>) to clients whose TLS is intercepted and to servers behind them
    /// (mitmproxy's <c>http2</c>). Default true; off, both sides speak HTTP/1.1 only.
    /// </summary>
    public bool Http2 { get; init; } = true;

    /// <summary>Copy the upstream certificate's names into the interception certificate (mitmproxy's <c>upstream_cert</c>). Default true.</summary>
    public bool UpstreamCert { get; init; } = true;

    /// <summary>Do not verify upstream server certificates (mitmproxy's <c>ssl_insecure</c>). Default false.</summary>
    public bool SslInsecure { get; init; }

    /// <summary>Extra roots trusted for upstream servers besides the system store (mitmproxy's <c>ssl_verify_upstream_trusted_ca</c>).</summary>
    public IReadOnlyList<X509Certificate2> UpstreamTrustedCertificates { get; init; } = [];

    /// <summary>Regexes matched against <c>host:port</c>; matching CONNECTs are tunnelled untouched (mitmproxy's <c>ignore_hosts</c>).</summary>
    public IReadOnlyList<string> IgnoreHosts { get; init; } = [];

    /// <summary>
    /// The opposite of <see cref="IgnoreHosts"/> (mitmproxy's <c>allow_hosts</c>): only CONNECTs whose
    /// <c>host:port</c> matches one of these regexes are intercepted, every other one is tunnelled
    /// untouched. Default none: intercept everything. Cannot be combined with <see cref="IgnoreHosts"/>.
    /// </summary>
    public IReadOnlyList<string> AllowHosts { get; init; } = [];

    /// <summary>Bodies larger than this many bytes are streamed, not buffered (mitmproxy's <c>stream_large_bodies</c>). Default null: never.</summary>
    public long? StreamLargeBodies { get; init; }

    /// <summary>Forward WebSocket frames at once; messages are still recorded (mitmproxy's <c>stream_websockets</c>). Default false.</summary>
    public bool StreamWebSockets { get; init; }

    /// <summary>Reverse mode: keep the client's Host header instead of rewriting it to the target (mitmproxy's <c>keep_host_header</c>). Default false.</summary>
    public bool KeepHostHeader { get; init; }

    /// <summary>Size limits and timeouts.</summary>
    public HttpLimits Limits { get; init; } = new();

    /// <summary>Addons in the order their hooks run.</summary>
    public IReadOnlyList<ProxyAddon> Addons { get; init; } = [];

    /// <summary>
    /// How many flows <see cref="ProxyServer.Flows"/> keeps, counted as they start (live ones included);
    /// when a new one would exceed it, the oldest is dropped. 0 keeps none. Default null: all.
    /// </summary>
    public int? FlowLimit { get; init; }

    /// <summary>Where the proxy logs; no logging when null.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock of every timestamp and timeout; <see cref="TimeProvider.System"/> by default, a fake one in tests.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Every problem with these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ListenPort is < 0 or > 65535)
        {
            errors.Add($"listen_port: {ListenPort} is not a port (0-65535)");
        }

        if (StreamLargeBodies is <= 0)
        {
            errors.Add($"stream_large_bodies: {StreamLargeBodies} must be positive");
        }

        if (Limits.MaxDecodedBodyBytes <= 0)
        {
            errors.Add($"decode_limit: {Limits.MaxDecodedBodyBytes} must be positive");
        }

        if (Mode.Http2PriorKnowledge && !Http2)
        {
            errors.Add($"mode {Mode}: an h2c server is spoken to over HTTP/2, which http2=false turns off; use reverse:http:// or turn http2 on");
        }

        if (FlowLimit is < 0)
        {
            errors.Add($"flow limit: {FlowLimit} must not be negative");
        }

        errors.AddRange(ValidateLimits(Limits));
        if (IgnoreHosts.Count > 0 && AllowHosts.Count > 0)
        {
            // As in mitmproxy: the two say opposite things about the same hosts.
            errors.Add("ignore_hosts and allow_hosts are mutually exclusive; use one of them");
        }

        foreach (var (name, patterns) in new[] { ("ignore_hosts", IgnoreHosts), ("allow_hosts", AllowHosts) })
        {
            foreach (var pattern in patterns)
            {
                try
                {
                    _ = new System.Text.RegularExpressions.Regex(pattern);
                }
                catch (ArgumentException e)
                {
                    errors.Add($"{name}: '{pattern}' is not a valid regex: {e.Message}");
                }
            }
        }

        return errors;
    }

    /// <summary>
    /// The limits' ranges, the same the options' parsers (<see cref="OptionRegistry"/>) give their names,
    /// so a typed value (the fixture's, an embedder's) is refused where its <c>--set</c> spelling would be:
    /// a zero body_size_limit answered every body with 413, and a negative connect_timeout closed every
    /// connection with no answer.
    /// </summary>
    private static IEnumerable<string> ValidateLimits(HttpLimits limits)
    {
        foreach (var (name, value) in new (string, long)[] { ("HttpLimits.MaxHeadBytes", limits.MaxHeadBytes), ("HttpLimits.MaxHeaderCount", limits.MaxHeaderCount), ("body_size_limit", limits.MaxBufferedBodyBytes) })
        {
            if (value <= 0)
            {
                yield return $"{name}: {value} must be positive";
            }
        }

        foreach (var (name, time) in new[] { ("headers_timeout", limits.HeadersTimeout), ("keepalive_timeout", limits.IdleTimeout), ("connect_timeout", limits.ConnectTimeout), ("HttpLimits.ResponseTimeout", limits.ResponseTimeout) })
        {
            if (time <= TimeSpan.Zero)
            {
                yield return $"{name}: {time.TotalSeconds} s must be positive";
            }
        }

        foreach (var (name, grace, rate) in new[] { ("min_request_body_data_rate", "min_request_body_grace_period", limits.MinRequestBodyDataRate), ("min_response_data_rate", "min_response_grace_period", limits.MinResponseDataRate) })
        {
            if (rate is { BytesPerSecond: <= 0 or double.NaN or double.PositiveInfinity })
            {
                yield return $"{name}: {rate.BytesPerSecond} bytes/s must be a positive number (null turns the minimum off)";
            }

            if (rate is { } r && r.GracePeriod <= TimeSpan.Zero)
            {
                yield return $"{grace}: {r.GracePeriod.TotalSeconds} s must be positive";
            }
        }
    }
}
