using System.Buffers;
using System.IO.Pipelines;

namespace MitmFixture.Proxy;

/// <summary>
/// socks5 mode (RFC 1928, mitmproxy's <c>--mode socks5</c>):
/// <code>
/// greeting ─► [RFC 1929 username/password when proxyauth is set] ─► CONNECT host:port ─► reply 0
///   ─► ignore_hosts ─► raw tunnel
///   ─► first byte 0x16 ─► TLS, intercepted as after an HTTP CONNECT (SNI names the certificate)
///   ─► first byte A-Z ─► HTTP/1.1 for that host
///   └► anything else ─► raw TCP relay, logged as an event
/// </code>
/// Bad input gets the protocol's refusal (0xFF method, RFC 1929 status 1, or an RFC 1928 §6 reply code)
/// and a closed connection.
/// </summary>
internal sealed partial class ClientSession
{
    private async Task ServeSocks5Async(DuplexConnection connection)
    {
        string host;
        int port;
        try
        {
            // 1. Greeting: the method is chosen by whether proxyauth wants credentials.
            var (greeted, methods) = await ReadSocksAsync(connection, static (ref SequenceReader<byte> r, out byte[] m) => Socks5Parser.TryParseGreeting(ref r, out m));
            if (!greeted)
            {
                return;
            }

            var method = _pipeline.RequiresSocks5Auth ? Socks5Parser.UsernamePassword : Socks5Parser.NoAuthentication;
            if (!methods.Contains(method))
            {
                throw Socks5Exception.NoAcceptableMethods(method == Socks5Parser.UsernamePassword
                    ? "proxyauth is set and the client does not offer username/password authentication (RFC 1929)"
                    : "the client offers no method this proxy accepts (expected 0, no authentication)");
            }

            await WriteSocksAsync(connection, [Socks5Parser.Version, method]);

            // 2. RFC 1929: status 0 accepts, anything else refuses and closes.
            if (method == Socks5Parser.UsernamePassword)
            {
                var (sent, credentials) = await ReadSocksAsync(connection, static (ref SequenceReader<byte> r, out (string User, string Pass) c) =>
                {
                    var done = Socks5Parser.TryParseCredentials(ref r, out var user, out var pass);
                    c = (user, pass);
                    return done;
                });
                if (!sent)
                {
                    return;
                }

                var (user, pass) = credentials;

                if (!_pipeline.Socks5Auth(_client, user, pass))
                {
                    throw new Socks5Exception($"wrong username or password for '{user}'", [0x01, 0x01]);
                }

                await WriteSocksAsync(connection, [0x01, 0x00]);
            }

            // 3. The request: CONNECT to an IPv4, IPv6 or domain-name address.
            var (requested, target) = await ReadSocksAsync(connection, static (ref SequenceReader<byte> r, out (string Host, int Port) t) =>
            {
                var done = Socks5Parser.TryParseRequest(ref r, out var h, out var p);
                t = (h, p);
                return done;
            });
            if (!requested)
            {
                return;
            }

            (host, port) = target;
            await WriteSocksAsync(connection, Socks5Parser.Reply(Socks5Reply.Succeeded));
        }
        catch (Socks5Exception e)
        {
            ProxyLog.BadSocks5(_context.Logger, ClientName, e.Message);
            try
            {
                await WriteSocksAsync(connection, e.Reply);
            }
            catch (Exception write) when (write is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
            {
                // The client left first; nothing more to tell it.
            }

            return;
        }

        // 4. What comes through decides how it is handled, as after an HTTP CONNECT.
        var stream = await connection.DetachAsync();
        if (_context.IsIgnored(host, port))
        {
            ProxyLog.Tunnelling(_context.Logger, host, port);
            await RawTunnel.RunAsync(stream, _context, host, port, _serverInfo);
            return;
        }

        var (first, peeked) = await PeekAsync(stream);
        if (peeked is null)
        {
            return;
        }

        if (first == 0x16)
        {
            var tls = await AcceptTlsAsync(peeked, host, port, upstreamScheme: "https");
            if (tls is not null)
            {
                await ServeDecryptedAsync(tls, new TunnelTarget("https", host, port, ClientTls: true));
            }
        }
        else if (char.IsAsciiLetterUpper((char)first))
        {
            // A request line starts with its method, a token in upper case in practice (RFC 9110 §9.1).
            await ServeAsync(new DuplexConnection(_socket, peeked), new TunnelTarget("http", host, port, ClientTls: false));
        }
        else
        {
            ProxyLog.RawTcp(_context.Logger, ClientName, host, port);
            await RawTunnel.RunAsync(peeked, _context, host, port, _serverInfo);
        }
    }

    private delegate bool SocksParse<T>(ref SequenceReader<byte> reader, out T value);

    /// <summary>Reads until <paramref name="parse"/> completes; not done when the client closes or goes idle first.</summary>
    private async ValueTask<(bool Done, T Value)> ReadSocksAsync<T>(DuplexConnection connection, SocksParse<T> parse)
    {
        var reader = connection.Reader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(_clientDeadline.Arm(Limits.HeadersTimeout));
            }
            catch (OperationCanceledException) when (_clientDeadline.Expired)
            {
                return (false, default!); // not read by the caller when not done
            }

            var sequence = new SequenceReader<byte>(result.Buffer);
            bool done;
            T value;
            try
            {
                done = parse(ref sequence, out value);
            }
            catch (Socks5Exception)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw;
            }

            if (done)
            {
                reader.AdvanceTo(sequence.Position);
                return (true, value);
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            if (result.IsCompleted)
            {
                return (false, default!); // not read by the caller when not done
            }
        }
    }

    private async ValueTask WriteSocksAsync(DuplexConnection connection, byte[] bytes)
    {
        await connection.Writer.WriteAsync(bytes, _clientDeadline.Arm(Limits.HeadersTimeout));
    }
}
