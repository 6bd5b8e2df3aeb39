using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>Opens server connections: TCP, through the upstream proxy when chaining, then TLS when the scheme asks.</summary>
internal sealed class UpstreamConnector(ProxyOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>The longest delay a <see cref="CancellationTokenSource"/> takes (2^32 - 2 ms, 49.7 days).</summary>
    private static readonly TimeSpan LongestTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>
    /// connect_timeout as a timer takes it: a longer one (connect_timeout=1e9, meaning "never") threw
    /// from the timer's constructor on every connection, which then closed with no answer and no log.
    /// </summary>
    private TimeSpan ConnectTimeout => options.Limits.ConnectTimeout < LongestTimer ? options.Limits.ConnectTimeout : LongestTimer;

    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];

    /// <summary>h2 first: the server picks, and its choice is on the connection's ServerConnectionInfo.Alpn.</summary>
    private static readonly List<SslApplicationProtocol> Http2AndHttp11 = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>TLS servers found to speak only HTTP/2 (see <see cref="Http2OnlyServerException"/>), for the proxy's life.</summary>
    private readonly ConcurrentDictionary<ServerKey, byte> _http2Only = new();

    /// <summary>Set once the first such server is found: until then every HTTP/1.1 request skips the lookup.</summary>
    private bool _anyHttp2Only;

    /// <summary>True once <paramref name="key"/>'s server refused http/1.1 and chose h2: its HTTP/1.1 flows go through the h2 forwarder.</summary>
    public bool SpeaksOnlyHttp2(ServerKey key) => Volatile.Read(ref _anyHttp2Only) && _http2Only.ContainsKey(key);

    /// <param name="rawTunnel">For ignore_hosts: a plain TCP stream to the server, through the upstream proxy's CONNECT when chaining.</param>
    /// <param name="offerHttp2">Offer h2 before http/1.1 in ALPN (the HTTP/2 forwarder, Http2Upstream); otherwise http/1.1 only.</param>
    /// <param name="alpn">The ALPN protocols to offer instead, when given (the certificate sniff offers the client's own list: AlpnPolicy).</param>
    public async ValueTask<UpstreamConnection> ConnectAsync(ServerKey key, ServerConnectionInfo info, CancellationToken cancellationToken, bool rawTunnel = false, bool offerHttp2 = false, List<SslApplicationProtocol>? alpn = null)
    {
        var viaProxy = options.Mode.Kind == ProxyModeKind.Upstream ? options.Mode.Target : null;
        var dialHost = viaProxy?.IdnHost ?? key.Host;
        var dialPort = viaProxy?.Port ?? key.Port;
        info.Address = HostPort.Format(dialHost, dialPort);
        info.TimestampStart = time.GetUtcNow();

        var socket = await DialAsync(dialHost, dialPort, cancellationToken);
        info.PeerAddress = socket.RemoteEndPoint as IPEndPoint;
        info.TimestampTcpSetup = time.GetUtcNow();
        if (!key.IsTls && !rawTunnel)
        {
            // Plain HTTP, straight or through the upstream proxy: the socket transport.
#pragma warning disable CA2000 // ownership passes to the returned UpstreamConnection, which disposes it
            return new UpstreamConnection(key, new DuplexConnection(socket), null);
#pragma warning restore CA2000
        }

        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (viaProxy is not null && (key.IsTls || rawTunnel))
            {
                await OpenTunnelAsync(stream, key, cancellationToken);
            }

            if (!key.IsTls || rawTunnel)
            {
#pragma warning disable CA2000 // ownership passes to the returned UpstreamConnection, which disposes it
                return new UpstreamConnection(key, new DuplexConnection(socket, stream), null);
#pragma warning restore CA2000
            }

            var sni = key.Sni ?? (IPAddress.TryParse(key.Host, out _) ? null : key.Host);
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            var offer = alpn ?? (offerHttp2 ? Http2AndHttp11 : Http11Only);
            string? refusal = null;
            try
            {
                using var timeout = new CancellationTokenSource(ConnectTimeout, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = sni ?? key.Host,
                        ApplicationProtocols = offer,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ValidateServerCertificate(certificate, chain, errors, sni ?? key.Host, out refusal),
                    },
                    linked.Token);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await tls.DisposeAsync();
                // .NET only says the callback refused; the reason it found is what the user needs.
                var why = refusal ?? Describe(e);
                var failure = new UpstreamException($"TLS handshake with {key.Host}:{key.Port} failed: {why}", 502, e);
                if (refusal is null && e is AuthenticationException && !offer.Contains(SslApplicationProtocol.Http2) && options.Http2)
                {
                    await ProbeHttp2OnlyAsync(key, failure, cancellationToken);
                }

                throw failure;
            }

            info.Sni = sni;
            info.TlsEstablished = true;
            info.TlsVersion = tls.SslProtocol.ToString();
            info.Alpn = tls.NegotiatedApplicationProtocol.ToString();
            info.TimestampTlsSetup = time.GetUtcNow();
            var certificate = tls.RemoteCertificate as X509Certificate2; // .NET's SslStream always gives an X509Certificate2
            info.Cipher = tls.NegotiatedCipherSuite.ToString();
            info.Certificate = certificate is null ? null : ServerCertificateInfo.From(certificate);
#pragma warning disable CA2000 // ownership passes to the returned UpstreamConnection, which disposes it
            return new UpstreamConnection(key, new DuplexConnection(socket, tls), certificate);
#pragma warning restore CA2000
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// After a handshake offering http/1.1 failed for a reason other than the certificate: dials once
    /// more offering h2. A server that now completes with h2 refused http/1.1 (alert 120,
    /// no_application_protocol; RFC 7301 §3.2) and speaks only HTTP/2: it is remembered and
    /// <see cref="Http2OnlyServerException"/> tells the caller to translate. Otherwise the first
    /// failure stands.
    /// </summary>
    private async ValueTask ProbeHttp2OnlyAsync(ServerKey key, UpstreamException failure, CancellationToken cancellationToken)
    {
        UpstreamConnection probe;
        var info = new ServerConnectionInfo();
        try
        {
            probe = await ConnectAsync(key, info, cancellationToken, offerHttp2: true);
        }
        catch (UpstreamException)
        {
            return;
        }

        await using (probe)
        {
            if (info.Alpn != "h2")
            {
                return;
            }

            if (_http2Only.TryAdd(key, 0))
            {
                Volatile.Write(ref _anyHttp2Only, true);
                ProxyLog.ServerSpeaksOnlyHttp2(logger, key.Host, key.Port);
            }

            var certificate = probe.Certificate is { } shown ? X509CertificateLoader.LoadCertificate(shown.RawData) : null; // outlives the probe's SslStream
            throw new Http2OnlyServerException($"{key.Host}:{key.Port} speaks only HTTP/2 (it refused ALPN http/1.1 and chose h2)", certificate, failure);
        }
    }

    private async ValueTask<Socket> DialAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await socket.ConnectAsync(host, port, linked.Token);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            var what = e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => $"connection to {host}:{port} refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"DNS lookup for {host} failed",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => $"{host}:{port} is unreachable",
                _ => $"connecting to {host}:{port} failed: {e.Message}",
            };
            throw new UpstreamException(what, 502, e);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new UpstreamException($"connecting to {host}:{port} timed out after {options.Limits.ConnectTimeout.TotalSeconds:0.#} s", 504);
        }
    }

    /// <summary>Asks the upstream proxy for a tunnel to the real server (RFC 9110 §9.3.6).</summary>
    private async ValueTask OpenTunnelAsync(Stream stream, ServerKey key, CancellationToken cancellationToken)
    {
        if (HttpSyntax.Atom(key.Host) is { } problem)
        {
            // The head below is built by hand, so the writer's check is repeated here (header injection into the upstream proxy).
            throw new UpstreamException($"refused to ask the upstream proxy for a tunnel: the host {problem}");
        }

        var authority = HostPort.Format(key.Host, key.Port);
        var head = System.Text.Encoding.ASCII.GetBytes($"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n");
        await stream.WriteAsync(head, cancellationToken);
        var buffer = new byte[options.Limits.MaxHeadBytes];
        var filled = 0;
        while (true)
        {
            // Byte by byte so nothing past the CONNECT answer (the server's TLS bytes) is swallowed.
            var n = await stream.ReadAsync(buffer.AsMemory(filled, 1), cancellationToken);
            if (n == 0)
            {
                throw new UpstreamException($"upstream proxy closed the connection while opening a tunnel to {authority}");
            }

            filled++;
            if (filled >= 4 && buffer.AsSpan(filled - 4, 4).SequenceEqual("\r\n\r\n"u8))
            {
                break;
            }

            if (filled == buffer.Length)
            {
                throw new UpstreamException("upstream proxy sent an oversized CONNECT answer");
            }
        }

        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(buffer, 0, filled));
        if (!Http1Parser.TryParseResponseHead(ref reader, options.Limits, out var response) || response!.StatusCode is < 200 or >= 300)
        {
            throw new UpstreamException($"upstream proxy refused the tunnel to {authority}: {response?.StatusCode} {response?.Reason}");
        }
    }

    /// <summary>Checks a server certificate; on refusal, <paramref name="refusal"/> says why in words.</summary>
    private bool ValidateServerCertificate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, out string? refusal)
    {
        refusal = null;
        if (options.SslInsecure || errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            refusal = "the server sent no certificate";
            return false;
        }

        using var copy = certificate is X509Certificate2 ? null : new X509Certificate2(certificate);
        var leaf = copy ?? (X509Certificate2)certificate;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            refusal = CertificateProblems.NameMismatch(leaf, host);
            return false;
        }

        if (options.UpstreamTrustedCertificates.Count == 0)
        {
            refusal = CertificateProblems.Describe(leaf, chain, time.GetUtcNow());
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(options.UpstreamTrustedCertificates.ToArray());
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (custom.Build(leaf))
        {
            return true;
        }

        refusal = CertificateProblems.Describe(leaf, custom, time.GetUtcNow());
        return false;
    }

    private static string Describe(Exception e) =>
        e is OperationCanceledException ? "timed out" : e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
}
