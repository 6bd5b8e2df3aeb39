using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MitmFixture.Http;
using KestrelMinDataRate = Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate;

namespace MitmFixture.Proxy;

/// <summary>
/// The HTTP/2 server side of the proxy: one Kestrel server with no socket of its own (Http2Transport),
/// fed the decrypted streams of clients that chose h2 in ALPN. Kestrel owns framing, HPACK, flow
/// control and the defences a public HTTP/2 server needs; each stream it parses comes back here as a
/// request, which the session that handed over the connection turns into a flow.
/// <para>
/// Defences: Kestrel's, bounded by the limits set in <see cref="Configure"/> (HPACK bombs: the decoded
/// list and each field are bounded, the dynamic table is HeaderTableSize; stream exhaustion:
/// REFUSED_STREAM past MaxStreamsPerConnection; window exhaustion: the windows below and
/// MinResponseDataRate for a client that stops reading; malformed frames: the §6 error codes), and
/// in front of Kestrel an <see cref="Http2FloodGuard"/> on each connection (<see cref="Http2GuardedStream"/>)
/// for what Kestrel answers frame by frame without end or ends with INTERNAL_ERROR: SETTINGS and
/// PING floods, CONTINUATION floods, rapid reset, refused-stream floods (GOAWAY ENHANCE_YOUR_CALM).
/// Measured by Hardening/Http2AbuseTests.
/// </para>
/// </summary>
internal sealed class Http2Front : IAsyncDisposable
{
    /// <summary>Streams one client connection may have open at once (Kestrel's default, nghttp2's too).</summary>
    public const int MaxStreamsPerConnection = 100;

    private readonly Http2Transport _transport = new();
    private readonly KestrelServer _server;
    private readonly Http2FrontLog _log;
    private readonly ServiceProvider _services;
    private readonly ConcurrentDictionary<string, Func<IFeatureCollection, Task>> _handlers = new();
    private readonly HttpLimits _limits;
    private long _nextConnection;

    private Http2Front(HttpLimits limits, ILogger logger, CancellationToken shutdown)
    {
        _limits = limits;
        _services = new ServiceCollection().AddLogging().BuildServiceProvider();
        var options = new KestrelServerOptions { ApplicationServices = _services };
        Configure(options, limits);
        options.Listen(new IPEndPoint(IPAddress.Loopback, 0), listen => listen.Protocols = HttpProtocols.Http2);
        _server = new KestrelServer(Microsoft.Extensions.Options.Options.Create(options), _transport, _log = new Http2FrontLog(logger, shutdown));
    }

    public static async Task<Http2Front> StartAsync(HttpLimits limits, ILogger logger, CancellationToken cancellationToken)
    {
        var front = new Http2Front(limits, logger, cancellationToken);
        Task started;
        using (ExecutionContext.SuppressFlow())
        {
            // Kestrel's loops must not keep the context of whichever session happened to start it.
            started = front._server.StartAsync(new Application(front), cancellationToken);
        }

        await started;
        return front;
    }

    /// <summary>
    /// Serves one client's h2 connection (already decrypted) until it ends. Each request stream calls
    /// <paramref name="onStream"/> with its features, concurrently with the connection's other streams.
    /// </summary>
    public async Task ServeAsync(Stream stream, EndPoint? remote, EndPoint? local, Func<IFeatureCollection, Task> onStream, CancellationToken cancellationToken)
    {
        var id = $"h2-{Interlocked.Increment(ref _nextConnection)}";
        _handlers[id] = onStream;
        await using var guarded = new Http2GuardedStream(stream, new Http2FloodGuard(_limits.MaxHeadBytes, TimeProvider.System));
        try
        {
            await _transport.ServeAsync(id, guarded, remote, local, cancellationToken);
            await guarded.LingerAsync(TimeSpan.FromSeconds(1));
        }
        finally
        {
            _handlers.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// How long Kestrel may wait for clients to close after its GOAWAY when the proxy stops: a
    /// well-behaved client closes at once, and one that does not must not hold a shutdown (Ctrl+C)
    /// for Kestrel's graceful wait; mitmproxy closes its connections at once.
    /// </summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromMilliseconds(500);

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(StopGrace);
        await _server.StopAsync(stop.Token);
        _server.Dispose();
        _log.Dispose();
        await _transport.DisposeAsync();
        await _services.DisposeAsync();
    }

    /// <summary>The proxy's limits as Kestrel's, so HTTP/1.1 and HTTP/2 clients meet the same bounds.</summary>
    private static void Configure(KestrelServerOptions options, HttpLimits limits)
    {
        options.AddServerHeader = false;
        // Field values are Latin-1 bytes on the HTTP/1.1 side (obs-text, RFC 9110 §5.5, passes through, as in
        // mitmproxy); Kestrel would refuse them (a reset stream, a 400). The engine refuses what is past
        // U+00FF before a head reaches Kestrel (Http1Writer.CheckFields), so Latin-1 never has to substitute.
        options.RequestHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
        options.ResponseHeaderEncodingSelector = static _ => System.Text.Encoding.Latin1;
        options.AllowAlternateSchemes = true; // TLS is ours, so Kestrel's transport looks plain; :scheme is the client's (https)
        options.Limits.MaxRequestBodySize = null; // bounded per flow by max_buffered_body_bytes, as for HTTP/1.1
        options.Limits.MaxRequestHeadersTotalSize = limits.MaxHeadBytes;
        options.Limits.MaxRequestHeaderCount = limits.MaxHeaderCount;
        options.Limits.KeepAliveTimeout = limits.IdleTimeout;
        options.Limits.RequestHeadersTimeout = limits.HeadersTimeout;
        options.Limits.MinRequestBodyDataRate = limits.MinRequestBodyDataRate is { } up ? new KestrelMinDataRate(up.BytesPerSecond, KestrelGrace(up.GracePeriod)) : null;
        options.Limits.MinResponseDataRate = limits.MinResponseDataRate is { } down ? new KestrelMinDataRate(down.BytesPerSecond, KestrelGrace(down.GracePeriod)) : null;
        options.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
        options.Limits.Http2.MaxRequestHeaderFieldSize = limits.MaxHeadBytes;
        options.Limits.Http2.HeaderTableSize = 4096; // RFC 7541 §4.2's default; a larger one is only more memory to attack
        options.Limits.Http2.MaxFrameSize = 16 * 1024; // RFC 9113 §6.5.2's initial value
        options.Limits.Http2.InitialConnectionWindowSize = 1024 * 1024;
        options.Limits.Http2.InitialStreamWindowSize = 768 * 1024;
    }

    /// <summary>
    /// Kestrel checks data rates on its one-second heartbeat and refuses a grace period of 1 s or less
    /// (MinDataRate's constructor throws, and the front would not start); the HTTP/1.1 side accepts any,
    /// so a shorter one becomes the shortest Kestrel takes.
    /// </summary>
    private static TimeSpan KestrelGrace(TimeSpan grace) => grace > MinKestrelGrace ? grace : MinKestrelGrace;

    private static readonly TimeSpan MinKestrelGrace = TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(1);

    /// <summary>Kestrel's application: finds the session that owns the connection and lets it serve the stream.</summary>
    private sealed class Application(Http2Front front) : IHttpApplication<IFeatureCollection>
    {
        public IFeatureCollection CreateContext(IFeatureCollection contextFeatures) => contextFeatures;

        public Task ProcessRequestAsync(IFeatureCollection context)
        {
            var id = context.Get<IHttpConnectionFeature>()?.ConnectionId;
            return id is not null && front._handlers.TryGetValue(id, out var handler)
                ? handler(context)
                : Task.CompletedTask; // the session is gone: Kestrel answers the stream with an empty 200 and ends it
        }

        public void DisposeContext(IFeatureCollection context, Exception? exception)
        {
        }
    }
}
