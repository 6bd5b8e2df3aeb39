using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Tls;

namespace MitmFixture.Proxy;

/// <summary>What every client session of one proxy shares; built once at start-up.</summary>
internal sealed class ProxyContext
{
    public ProxyContext(ProxyOptions options, CertificateAuthority ca, ILogger logger, CancellationToken shutdown)
    {
        Options = options;
        CertificateAuthority = ca;
        Logger = logger;
        Shutdown = shutdown;
        Time = options.TimeProvider;
        Pipeline = new AddonPipeline(options.Addons, logger);
        Heartbeat = new DeadlineHeartbeat(Time);
        Connector = new UpstreamConnector(options, Time, logger);
        Certificates = new LeafCertificateCache(ca, Time);
        Flows = new FlowStore(options.FlowLimit);
        IgnoreHosts = Compile(options.IgnoreHosts);
        AllowHosts = Compile(options.AllowHosts);
        _http2Front = new Lazy<Task<Http2Front>>(() => Http2Front.StartAsync(options.Limits, logger, shutdown), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private readonly Lazy<Task<Http2Front>> _http2Front;

    public ProxyOptions Options { get; }

    public CertificateAuthority CertificateAuthority { get; }

    public ILogger Logger { get; }

    public CancellationToken Shutdown { get; }

    public TimeProvider Time { get; }

    public AddonPipeline Pipeline { get; }

    /// <summary>The clock every session's read, idle and rate deadlines run on; disposed with the proxy.</summary>
    public DeadlineHeartbeat Heartbeat { get; }

    public UpstreamConnector Connector { get; }

    public LeafCertificateCache Certificates { get; }

    public FlowStore Flows { get; }

    public IReadOnlyList<Regex> IgnoreHosts { get; }

    public IReadOnlyList<Regex> AllowHosts { get; }

    /// <summary>The HTTP/2 server side, started when the first client chooses h2 (Kestrel costs nothing until then).</summary>
    public Task<Http2Front> GetHttp2FrontAsync() => _http2Front.Value;

    /// <summary>Stops the HTTP/2 server side, if it was started.</summary>
    public async ValueTask StopHttp2Async()
    {
        if (_http2Front.IsValueCreated && _http2Front.Value.IsCompletedSuccessfully)
        {
            await (await _http2Front.Value).DisposeAsync();
        }
    }

    /// <summary>mitmproxy matches ignore_hosts and allow_hosts against <c>host:port</c>; allow_hosts ignores every host it does not match.</summary>
    public bool IsIgnored(string host, int port)
    {
        if (IgnoreHosts.Count == 0 && AllowHosts.Count == 0)
        {
            return false;
        }

        var address = Http.HostPort.Format(host, port);
        return AllowHosts.Count > 0 ? !AnyMatches(AllowHosts, address) : AnyMatches(IgnoreHosts, address);
    }

    private static Regex[] Compile(IReadOnlyList<string> patterns) => patterns
        .Select(p => new Regex(p, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100)))
        .ToArray();

    private static bool AnyMatches(IReadOnlyList<Regex> regexes, string address)
    {
        foreach (var regex in regexes)
        {
            try
            {
                if (regex.IsMatch(address))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
            }
        }

        return false;
    }
}
