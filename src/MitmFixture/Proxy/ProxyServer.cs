using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tls;

namespace MitmFixture.Proxy;

/// <summary>
/// A running proxy: a listening socket, one <see cref="ClientSession"/> per client connection, and
/// the flows they produced. Start it with <see cref="StartAsync"/>; dispose it to stop.
/// </summary>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ProxyContext _context;
    private readonly CancellationTokenSource _shutdown;
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly ConcurrentDictionary<ProxyListener, byte> _listeners = new();
    private readonly Task _acceptLoop;
    private readonly bool _ownsAuthority;
    private int _disposed;

    private ProxyServer(Socket listener, ProxyContext context, CancellationTokenSource shutdown, bool ownsAuthority)
    {
        _listener = listener;
        _context = context;
        _shutdown = shutdown;
        _ownsAuthority = ownsAuthority;
        Endpoint = (IPEndPoint)listener.LocalEndPoint!; // a bound socket has one
        _acceptLoop = AcceptLoopAsync(listener, shutdown.Token);
    }

    /// <summary>Where the proxy listens; with port 0 in the options, the port the system picked.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The port the proxy listens on (the one picked when 0 was asked).</summary>
    public int Port => Endpoint.Port;

    /// <summary>The proxy's address as a URL, for <c>HttpClientHandler.Proxy</c> or <c>curl -x</c>.</summary>
    public Uri Url => UrlOf(Endpoint);

    /// <summary>A proxy URL for one of this proxy's ports: <c>socks5://</c> in SOCKS5 mode, else <c>http://</c>.</summary>
    internal Uri UrlOf(IPEndPoint endpoint) =>
        new($"{(Options.Mode.Kind == ProxyModeKind.Socks5 ? "socks5" : "http")}://{HostPort.Format(endpoint.Address.ToString(), endpoint.Port)}/");

    /// <summary>The options the proxy was started with.</summary>
    public ProxyOptions Options => _context.Options;

    /// <summary>The CA that signs the certificates clients see; clients must trust it for HTTPS.</summary>
    public CertificateAuthority CertificateAuthority => _context.CertificateAuthority;

    /// <summary>The flows the proxy has seen, up to <see cref="ProxyOptions.FlowLimit"/>.</summary>
    public FlowStore Flows => _context.Flows;

    /// <summary>Validates the options (reporting every problem at once), binds the socket and starts accepting.</summary>
    public static Task<ProxyServer> StartAsync(ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid proxy options:\n  " + string.Join("\n  ", errors), nameof(options));
        }

        var logger = options.LoggerFactory?.CreateLogger("MitmFixture.Proxy") ?? NullLogger.Instance;
        foreach (var replay in options.Addons.OfType<Addons.ServerReplayAddon>())
        {
            // The commands make their logger factory after composing the pipeline, so it is handed over here.
            replay.Logger = options.LoggerFactory?.CreateLogger("MitmFixture.Replay") ?? replay.Logger;
        }

        var authority = options.CertificateAuthority ?? CertificateAuthority.LoadOrCreate(options.CertificateDirectory, options.TimeProvider);
        var address = ResolveListenAddress(options.ListenHost);
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            listener.Bind(new IPEndPoint(address, options.ListenPort));
            listener.Listen(512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new InvalidOperationException($"cannot listen on {HostPort.Format(options.ListenHost, options.ListenPort)}: {e.Message}", e);
        }

        var shutdown = new CancellationTokenSource();
        var context = new ProxyContext(options, authority, logger, shutdown.Token);
        var server = new ProxyServer(listener, context, shutdown, ownsAuthority: options.CertificateAuthority is null);
        if (logger.IsEnabled(LogLevel.Information))
        {
#pragma warning disable CA1873 // guarded by IsEnabled above; the analyzer misses guards around [LoggerMessage] calls (dotnet/sdk#50893)
            ProxyLog.Listening(logger, server.Url.ToString(), options.Mode.ToString());
#pragma warning restore CA1873
        }
        if (!IPAddress.IsLoopback(address) && !options.Addons.Any(a => a is Addons.ProxyAuthAddon))
        {
            ProxyLog.ListeningBeyondLoopback(logger, options.ListenHost);
        }

        return Task.FromResult(server);
    }

    /// <summary>
    /// Sends <paramref name="request"/> to its server through the proxy's addons, as client-side
    /// replay does. The flow is marked <see cref="ReplayKind.Request"/> (a client replay: <c>~replayq</c>
    /// matches it and <see cref="Addons.InterceptAddon"/> lets it through), added to <see cref="Flows"/>
    /// (raising <see cref="FlowStore.FlowAdded"/>) and completed there (<see cref="FlowStore.FlowCompleted"/>)
    /// like a flow from a client. Errors are on the returned flow, not thrown.
    /// </summary>
    public async Task<Flow> ReplayAsync(HttpRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var session = new ClientSession(_context, socket: null);
        using var registration = cancellationToken.Register(static s => ((ClientSession)s!).Abort(), session);
        return await session.ReplayAsync(request);
    }

    private static IPAddress ResolveListenAddress(string host)
    {
        if (host.Length == 0 || host == "*")
        {
            return IPAddress.IPv6Any;
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return address;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new InvalidOperationException($"listen_host '{host}' does not resolve");
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"listen_host '{host}' does not resolve: {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens one more listening socket on the proxy's address, served exactly like the first (same
    /// addons, same flows). Flows carry the port their client connected to
    /// (<see cref="ClientConnectionInfo.LocalAddress"/>), so an embedder can tell clients apart by the
    /// port it handed them: the xunit fixture gives each test its own. Work done for connections it
    /// accepts runs in the execution context of this call. Dispose it to stop accepting; connections
    /// already accepted run on until the proxy stops.
    /// </summary>
    public ProxyListener AddListener()
    {
        ObjectDisposedException.ThrowIf(_disposed == 1, this);
        var socket = new Socket(Endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(Endpoint.Address, 0));
            socket.Listen(512);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new InvalidOperationException($"cannot open another listening port on {Endpoint.Address}: {e.Message}", e);
        }

        var stop = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        var listener = new ProxyListener(socket, UrlOf((IPEndPoint)socket.LocalEndPoint!), stop, AcceptLoopAsync(socket, stop.Token), l => _listeners.TryRemove(l, out _)); // a bound socket has an endpoint
        _listeners.TryAdd(listener, 0);
        return listener;
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                continue; // a client that reset before we accepted it; keep serving
            }

            socket.NoDelay = true;
#pragma warning disable CA2000 // ownership passes to the session: RunAsync disposes it when the connection ends
            var session = new ClientSession(_context, socket);
#pragma warning restore CA2000
            var task = Task.Run(session.RunAsync, CancellationToken.None); // a session ends with its connection or the proxy, not with the listener that accepted it
            _sessions.TryAdd(task, 0);
            _ = task.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _shutdown.CancelAsync();
        _listener.Dispose();
        await _acceptLoop;
        foreach (var listener in _listeners.Keys)
        {
            await listener.DisposeAsync();
        }
        try
        {
            // On the real clock on purpose: a test's fake clock that nobody advances must not hang Dispose.
            await Task.WhenAll(_sessions.Keys).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or IOException)
        {
            // Sessions stuck in I/O end when their sockets close with the process; do not hang the caller.
        }

        await _context.StopHttp2Async();
        await _context.Pipeline.DoneAsync();
        _context.Certificates.Dispose();
        _context.Heartbeat.Dispose();
        if (_ownsAuthority)
        {
            _context.CertificateAuthority.Dispose();
        }

        _shutdown.Dispose();
    }
}
