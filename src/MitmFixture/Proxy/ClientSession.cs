using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tls;

namespace MitmFixture.Proxy;

/// <summary>
/// One client connection's life, from accept to close:
/// <code>
/// accept ─► [reverse mode: TLS if the client starts it] ─► read request head ─┐
///        └► [socks5 mode: handshake, then as after CONNECT: ClientSession.Socks5.cs]  │
///   ┌──────────────────────────────────────────────────────────────────────┘
///   ├─ CONNECT ─► hooks ─► 200 ─► first byte ─┬─ ignore_hosts ─► raw tunnel
///   │                                         ├─ TLS ─► ClientHello's ALPN ─► sniff server cert and ALPN ─► mint leaf ─► HTTPS or h2 loop
///   │                                         └─ plain ─► HTTP loop for that host (or h2c: ClientSession.H2c.cs)
///   └─ request ─► flow: hooks ─► server (reused connection) ─► hooks ─► client ─► next request
/// </code>
/// Everything here is per connection: an intercepted flow parks only its own connection, which is
/// watched meanwhile so a client that leaves ends its paused flow (ClientSession.Pause.cs).
/// </summary>
internal sealed partial class ClientSession : IAsyncDisposable
{
    private readonly ProxyContext _context;
    private readonly AddonPipeline _pipeline;
    private readonly Socket? _socket;
    private readonly ClientConnectionInfo _client;
    private readonly Deadline _clientDeadline;
    private readonly Deadline _serverDeadline;
    private readonly Deadline _clientWriteDeadline;
    private UpstreamConnection? _upstream;
    private ServerConnectionInfo _serverInfo = new();
    private (string Host, int Port, string Address)? _lastAddress;
    private string? _tlsHost;
    private Func<PipeWriter, ValueTask<FlushResult>>? _flushClient;

    public ClientSession(ProxyContext context, Socket? socket)
    {
        _context = context;
        _pipeline = context.Pipeline.WithPauseWait(WaitWhilePausedAsync);
        _socket = socket;
        _client = new ClientConnectionInfo
        {
            PeerAddress = socket?.RemoteEndPoint as IPEndPoint,
            LocalAddress = socket?.LocalEndPoint as IPEndPoint,
            TimestampStart = context.Time.GetUtcNow(),
        };
        _clientDeadline = new Deadline(context.Heartbeat, context.Shutdown);
        _serverDeadline = new Deadline(context.Heartbeat, context.Shutdown);
        _clientWriteDeadline = new Deadline(context.Heartbeat, context.Shutdown);
    }

    private HttpLimits Limits => _context.Options.Limits;

    private CancellationToken Shutdown => _context.Shutdown;

    private string ClientName => _client.PeerAddress?.ToString() ?? "replay";

    /// <summary>Serves the connection until either side closes it.</summary>
    public async Task RunAsync()
    {
        var connection = new DuplexConnection(_socket!); // RunAsync serves accepted sockets only
        try
        {
            ProxyLog.ClientConnected(_context.Logger, ClientName);
            await _pipeline.ClientConnectedAsync(_client, Shutdown);

            // 1. Reverse mode sends everything to one server; the client may speak TLS to us first.
            if (_context.Options.Mode is { Kind: ProxyModeKind.Reverse, Target: { } target })
            {
                var port = target.Port;
                var stream = await connection.DetachAsync();
                var (first, peeked) = await PeekAsync(stream);
                if (peeked is null)
                {
                    return;
                }

                if (first == 0x16)
                {
                    var tls = await AcceptTlsAsync(peeked, target.IdnHost, port, upstreamScheme: target.Scheme);
                    if (tls is null)
                    {
                        return;
                    }

                    await ServeDecryptedAsync(tls, new TunnelTarget(target.Scheme, target.IdnHost, port, ClientTls: true));
                }
                else
                {
                    connection = new DuplexConnection(_socket, peeked);
                    await ServeAsync(connection, new TunnelTarget(target.Scheme, target.IdnHost, port, ClientTls: false));
                }

                return;
            }

            // 2. SOCKS5 mode: the handshake names the server (ClientSession.Socks5.cs).
            if (_context.Options.Mode.Kind == ProxyModeKind.Socks5)
            {
                await ServeSocks5Async(connection);
                return;
            }

            // 3. Regular and upstream modes: absolute-form requests and CONNECT.
            await ServeAsync(connection, tunnel: null);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            ProxyLog.ClientConnectionEnded(_context.Logger, ClientName, e.Message);
        }
        catch (Exception e)
        {
            // Nothing awaits a session's task: said here, or never (the other clients are served on).
            ProxyLog.ClientSessionFailed(_context.Logger, ClientName, $"{e.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            _client.TimestampEnd = _context.Time.GetUtcNow();
            await connection.DisposeAsync();
            await DisposeAsync();
            try
            {
                await _pipeline.ClientDisconnectedAsync(_client, CancellationToken.None);
            }
            finally
            {
                ProxyLog.ClientDisconnected(_context.Logger, ClientName);
            }
        }
    }

    /// <summary>Sends one request to its server as client-side replay does, with no client connection.</summary>
    public async Task<Flow> ReplayAsync(HttpRequest request)
    {
        var flow = new Flow(request, _client) { Live = true, Replay = ReplayKind.Request };
        request.TimestampStart ??= _context.Time.GetUtcNow();
        request.TimestampEnd ??= request.TimestampStart;
        _context.Flows.Add(flow);
        try
        {
            await ExchangeAsync(flow, client: null, BodyFraming.Empty);
        }
        finally
        {
            Finish(flow);
        }

        return flow;
    }

    /// <summary>The HTTP/1.1 request loop on one connection (plain, TLS, or inside a tunnel); <see cref="ServeAsync"/> closes it.</summary>
    private async Task ServeRequestsAsync(DuplexConnection connection, TunnelTarget? tunnel)
    {
        var watchPreface = tunnel is not { ClientTls: true }; // h2c prior knowledge is cleartext only (RFC 9113 §3.3)
        while (true)
        {
            HttpRequest? request;
            BodyFraming framing;
            try
            {
                (request, framing) = await ReadRequestAsync(connection, watchPreface);
                watchPreface = false; // the preface can only open a connection
                _lingerOnClose = false; // the last error answer, if any, was read: the client sent on
            }
            catch (MalformedHttpException e)
            {
                ProxyLog.BadRequest(_context.Logger, ClientName, e.Message);
                await TryWriteErrorAsync(connection, e.StatusCode, e.Message);
                return;
            }

            if (request is null)
            {
                return;
            }

            if (IsHttp2Preface(request))
            {
                await ServeH2cAsync(connection, tunnel);
                return;
            }

            if (request.Method == "CONNECT")
            {
                if (tunnel is not null)
                {
                    await TryWriteErrorAsync(connection, 400, "CONNECT is not allowed here");
                    return;
                }

                if (!await HandleConnectAsync(connection, request))
                {
                    return;
                }

                continue;
            }

            if (!ApplyTarget(request, tunnel, out var problem))
            {
                await TryWriteErrorAsync(connection, 400, problem);
                return;
            }

            StripH2cUpgrade(request);

            // Where the request is headed is known before any hook runs (filters such as ~dst need it);
            // the server connection's details are filled in only if one is made.
            var flow = new Flow(request, _client) { Live = true, Server = new ServerConnectionInfo { Address = AddressOf(request) } };
            _context.Flows.Add(flow);
            bool keepAlive;
            try
            {
                keepAlive = await ExchangeAsync(flow, connection, framing);
            }
            finally
            {
                Finish(flow);
            }

            if (!keepAlive)
            {
                return;
            }
        }
    }

    /// <summary>host:port of the request's server, the same string as the last request's when it goes to the same place (most do, on a kept-alive connection).</summary>
    private string AddressOf(HttpRequest request)
    {
        if (_lastAddress is not { } last || last.Port != request.Port || !string.Equals(last.Host, request.Host, StringComparison.Ordinal))
        {
            _lastAddress = last = (request.Host, request.Port, Http.HostPort.Format(request.Host, request.Port));
        }

        return last.Address;
    }

    private void Finish(Flow flow)
    {
        flow.Live = false;
        if (flow.Response is { } response && _context.Logger.IsEnabled(LogLevel.Information))
        {
            // Checked first: the URL is built for the message, and most runs do not log at this level.
            ProxyLog.FlowDone(_context.Logger, flow.Request.Method, flow.Request.Url, response.StatusCode);
        }

        _context.Flows.Complete(flow);
    }

    /// <summary>Fills in where a request goes, from the tunnel or reverse target or from its absolute-form URL.</summary>
    private bool ApplyTarget(HttpRequest request, TunnelTarget? tunnel, out string problem)
    {
        problem = "";
        if (request.Headers.GetAll("Host").Count > 1)
        {
            // RFC 9112 §3.2: more than one Host is a 400, as nginx and Kestrel answer; which one a
            // server would pick is exactly the ambiguity request smuggling lives on.
            problem = "more than one Host header";
            return false;
        }

        if (tunnel is not null)
        {
            request.Scheme = tunnel.Scheme;
            request.Host = tunnel.Host;
            request.Port = tunnel.Port;
            if (_context.Options.Mode.Kind == ProxyModeKind.Reverse && !_context.Options.KeepHostHeader)
            {
                request.Headers.Set("Host", request.Authority);
            }

            return true;
        }

        if (request.TargetForm != RequestTargetForm.Absolute)
        {
            problem = $"expected an absolute-form request such as 'GET http://host/path HTTP/1.1' (is the client using this as its HTTP proxy?), got '{request.Method} {request.Path}'";
            return false;
        }

        // RFC 9112 §3.2.2: a proxy MUST ignore the Host of an absolute-form request and replace it
        // with the target's authority, so the server cannot be told a different host than the URL.
        if (request.Headers.Contains("Host"))
        {
            request.Headers.Set("Host", request.Authority);
        }
        else
        {
            request.Headers.Insert(0, "Host", request.Authority);
        }

        return true;
    }

    /// <summary>
    /// Reads the next request head; null when the client closed or went idle. With
    /// <paramref name="watchPreface"/>, an HTTP/2 connection preface is returned as the request
    /// <c>PRI * HTTP/2.0</c> (as mitmproxy's HTTP/1 layer sees it) and left unread in the pipe, for
    /// the h2c server to read from the start (<see cref="ServeH2cAsync"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // once per request: the state machine is pooled, not allocated
    private async ValueTask<(HttpRequest? Request, BodyFraming Framing)> ReadRequestAsync(DuplexConnection connection, bool watchPreface = false)
    {
        var reader = connection.Reader;
        var sawBytes = false;

        // Idle until the first byte, then one deadline for the whole head: re-arming per read would
        // let a client trickle a byte just inside the timeout and hold the connection for days.
        var token = _clientDeadline.Arm(Limits.IdleTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(token);
            }
            catch (OperationCanceledException) when (_clientDeadline.Expired)
            {
                if (sawBytes)
                {
                    await TryWriteErrorAsync(connection, 408, "request head not received in time");
                }

                return (null, default);
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                return (null, default);
            }

            if (!sawBytes)
            {
                sawBytes = true;
                token = _clientDeadline.Arm(Limits.HeadersTimeout);
            }

            if (watchPreface)
            {
                switch (Http2Cleartext.Match(buffer))
                {
                    case PrefaceMatch.Full:
                        reader.AdvanceTo(buffer.Start); // nothing consumed or examined: the h2c server reads it all
                        return (new HttpRequest { Method = "PRI", Path = "*", HttpVersion = "HTTP/2.0", TimestampStart = _context.Time.GetUtcNow() }, BodyFraming.Empty);
                    case PrefaceMatch.Partial when !result.IsCompleted:
                        reader.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    default:
                        watchPreface = false;
                        break;
                }
            }

            var sequence = new SequenceReader<byte>(buffer);
            if (Http1Parser.TryParseRequestHead(ref sequence, Limits, out var request))
            {
                reader.AdvanceTo(sequence.Position);
                request!.TimestampStart = _context.Time.GetUtcNow();
                return (request, BodyFraming.ForRequest(request));
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return (null, default);
            }
        }
    }

    /// <summary>Answers a CONNECT and serves what comes through the tunnel. False when the connection is done.</summary>
    private async ValueTask<bool> HandleConnectAsync(DuplexConnection connection, HttpRequest request)
    {
        var flow = new Flow(request, _client) { Live = true };
        await _pipeline.HttpConnectAsync(flow, Shutdown);
        if (flow.Killed)
        {
            return false;
        }

        if (flow.Response is { } refusal)
        {
            try
            {
                await WriteResponseAsync(connection, request, refusal, clientHttp10: false);
            }
            catch (UnsafeHeadException e)
            {
                ProxyLog.ConnectAnswerFailed(_context.Logger, request.Authority, e.Message);
                await TryWriteErrorAsync(connection, 502, e.Message);
                return false;
            }

            return !refusal.Headers.HasToken("Connection", "close");
        }

        Http1Writer.Write(connection.Writer, "HTTP/1.1 200 Connection established\r\n\r\n"u8);
        await connection.Writer.FlushAsync(Shutdown);

        var host = request.Host;
        var port = request.Port;
        var stream = await connection.DetachAsync();
        _connection = null; // its reader is done; the tunnel's own connection is watched from here on
        if (_context.IsIgnored(host, port))
        {
            ProxyLog.Tunnelling(_context.Logger, host, port);
            await RawTunnel.RunAsync(stream, _context, host, port, _serverInfo);
            return false;
        }

        var (first, peeked) = await PeekAsync(stream);
        if (peeked is null)
        {
            return false;
        }

        if (first == 0x16)
        {
            var tls = await AcceptTlsAsync(peeked, host, port, upstreamScheme: "https");
            if (tls is null)
            {
                return false;
            }

            await ServeDecryptedAsync(tls, new TunnelTarget("https", host, port, ClientTls: true));
        }
        else
        {
            await ServeAsync(new DuplexConnection(_socket, peeked), new TunnelTarget("http", host, port, ClientTls: false));
        }

        return false;
    }

    /// <summary>Reads the first byte of what follows, without losing it. A TLS ClientHello starts with 0x16 (RFC 8446 §5.1).</summary>
    private async ValueTask<(byte First, Stream? Stream)> PeekAsync(Stream stream)
    {
        if (stream is PrefixedStream)
        {
            var buffered = new byte[1];
            var read = await stream.ReadAsync(buffered, _clientDeadline.Arm(Limits.IdleTimeout));
            return read == 0 ? (0, null) : (buffered[0], new PrefixedStream(buffered, stream));
        }

        var first = new byte[1];
        try
        {
            var n = await stream.ReadAsync(first, _clientDeadline.Arm(Limits.IdleTimeout));
            return n == 0 ? (0, null) : (first[0], new PrefixedStream(first, stream));
        }
        catch (OperationCanceledException) when (_clientDeadline.Expired)
        {
            return (0, null);
        }
    }

    /// <summary>
    /// Completes the client's TLS handshake with a certificate for the host. With upstream_cert on, the
    /// server is dialled first and its names copied (the seed's "Upstream Certificates"); when that
    /// fails, or an addon answers this host itself (offline replay), the names come from SNI or the
    /// CONNECT target instead, and any server error surfaces later on the flow.
    /// ALPN follows mitmproxy (AlpnPolicy): the ClientHello is peeked for the client's protocols, the
    /// sniff offers them to the server, and the client is then given the server's choice.
    /// </summary>
    private async ValueTask<Stream?> AcceptTlsAsync(Stream stream, string host, int port, string upstreamScheme)
    {
        // One deadline for reading the hello and the whole handshake, as for a request head.
        var deadline = _clientDeadline.Arm(Limits.HeadersTimeout);
        SslStream? tls = null;
        try
        {
            var (clientAlpn, hello) = await PeekClientHelloAsync(stream, deadline);
            tls = new SslStream(hello, leaveInnerStreamOpen: false);
            await tls.AuthenticateAsServerAsync(
                async (_, helloInfo, _, cancellationToken) =>
                {
                    var sni = string.IsNullOrEmpty(helloInfo.ServerName) ? null : helloInfo.ServerName;
                    _client.Sni = sni;
                    var (identity, serverAlpn) = await IdentityForAsync(host, port, sni, upstreamScheme, clientAlpn, cancellationToken);
                    return new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = _context.Certificates.GetOrCreate(identity),
                        ApplicationProtocols = AlpnPolicy.ForClient(clientAlpn, serverAlpn, _context.Options.Http2),
                    };
                },
                null,
                deadline);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            var (level, reason) = ClientTlsFailure.Explain(e);
            ProxyLog.ClientTlsFailed(_context.Logger, level, ClientName, host, reason);
            await (tls ?? stream).DisposeAsync();
            return null;
        }

        _tlsHost = host;
        _client.TlsEstablished = true;
        _client.TlsVersion = tls.SslProtocol.ToString();
        _client.Cipher = tls.NegotiatedCipherSuite.ToString();
        _client.Alpn = tls.NegotiatedApplicationProtocol.ToString();
        _client.TimestampTlsSetup = _context.Time.GetUtcNow();
        return tls;
    }

    /// <summary>
    /// The certificate identity for the client's handshake and, when the server was dialled for it
    /// offering the client's own ALPN list (<paramref name="clientAlpn"/> known), the protocol the server
    /// chose (empty: none); null when it was not.
    /// </summary>
    private async ValueTask<(CertificateIdentity Identity, SslApplicationProtocol? ServerAlpn)> IdentityForAsync(
        string host, int port, string? sni, string upstreamScheme, List<SslApplicationProtocol>? clientAlpn, CancellationToken cancellationToken)
    {
        var name = sni ?? host;
        if (!_context.Options.UpstreamCert || upstreamScheme != "https" || !_pipeline.WantsUpstreamFor(host, port))
        {
            return (CertificateIdentity.ForHost(name), null);
        }

        try
        {
            var offer = AlpnPolicy.ForServer(clientAlpn, _context.Options.Http2);
            var upstream = await AcquireUpstreamAsync(new ServerKey("https", host, port, sni), cancellationToken, alpn: offer);
            var identity = upstream.Certificate is { } certificate ? CertificateIdentity.FromUpstream(certificate, name) : CertificateIdentity.ForHost(name);
            SslApplicationProtocol? serverAlpn = clientAlpn is null ? null
                : _serverInfo.Alpn is { Length: > 0 } chosen ? new SslApplicationProtocol(chosen) : default(SslApplicationProtocol);
            return (identity, serverAlpn);
        }
        catch (Http2OnlyServerException e) when (e.Certificate is { } certificate)
        {
            // Learnt from the h2 handshake; an HTTP/1.1 client's flows go through the h2 forwarder. The
            // sniff's offer had no h2 (the client offered none), so the client still gets http/1.1.
            using (certificate)
            {
                return (CertificateIdentity.FromUpstream(certificate, name), clientAlpn is null ? null : SslApplicationProtocol.Http2);
            }
        }
        catch (UpstreamException e)
        {
            ProxyLog.SniffFailed(_context.Logger, host, port, e.Message);
            return (CertificateIdentity.ForHost(name), null);
        }
    }

    /// <summary>The session's server connection for <paramref name="key"/>, reused when it is still open.</summary>
    /// <param name="alpn">The ALPN protocols to offer a new TLS connection; the connector's default (http/1.1) when null.</param>
    private async ValueTask<UpstreamConnection> AcquireUpstreamAsync(ServerKey key, CancellationToken cancellationToken, Flow? flow = null, List<SslApplicationProtocol>? alpn = null)
    {
        if (_upstream is { } current)
        {
            if (current.Key == key && await IdleConnectionUsableAsync(current, flow))
            {
                return current;
            }

            _upstream = null;
            await current.DisposeAsync();
        }

        _serverInfo = new ServerConnectionInfo();
        _upstream = await _context.Connector.ConnectAsync(key, _serverInfo, cancellationToken, alpn: alpn);
        return _upstream;
    }

    private async ValueTask DropUpstreamAsync()
    {
        if (_upstream is { } current)
        {
            _upstream = null;
            await current.DisposeAsync();
        }
    }

    /// <summary>Cuts the server connection of a replay the caller gave up on.</summary>
    public void Abort()
    {
        _upstream?.Connection.Socket?.Dispose();
        _ownHttp2Upstream?.Dispose(); // an h2 replay's request in flight fails with ObjectDisposedException
    }

    public async ValueTask DisposeAsync()
    {
        await DropUpstreamAsync();
        _ownHttp2Upstream?.Dispose();
        _clientDeadline.Dispose();
        _serverDeadline.Dispose();
        _clientWriteDeadline.Dispose();
    }
}
