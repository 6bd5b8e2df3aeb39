using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using MitmFixture.Tests.Support;
using MitmFixture.Tls;

namespace MitmFixture.Tests.Tls;

/// <summary>ClientHelloAlpn: real ClientHellos from real clients, and hostile ones that must give null, never an exception.</summary>
public sealed class ClientHelloAlpnTests
{
    /// <summary>
    /// A ClientHello record captured once from <c>openssl s_client -servername example.test -alpn h2,http/1.1</c>
    /// (OpenSSL 3.0): TLS 1.3 with session id, 31 cipher suites, SNI, then ALPN among 10 other extensions.
    /// </summary>
    private static readonly byte[] OpenSslHello = Convert.FromHexString(
        "160301014b010001470303032c5ab0fd0151058ffd1c99943ffc1224a5c7a00a27873b4a940a7fadb33d2e20a726fa9f373c47bd20eea89ed5f3ee" +
        "cba3689bb94d9f966196a255c6c7d9bdc1003e130213031301c02cc030009fcca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac014" +
        "0039c009c0130033009d009c003d003c0035002f00ff010000c000000011000f00000c6578616d706c652e74657374000b000403000102000a0016" +
        "0014001d0017001e0019001801000101010201030104002300000010000e000c02683208687474702f312e310016000000170000000d002a002804" +
        "0305030603080708080809080a080b080408050806040105010601030303010302040205020602002b0009080304030303020301002d0002010100" +
        "3300260024001d0020de9622e46b2c3c3f4c9225bc99f3850a4b5c663432a79244e16b1e29b516004c");

    private static string? Names(List<SslApplicationProtocol>? protocols) => protocols is null ? null : string.Join(",", protocols);

    [Fact]
    public void Read_CapturedOpenSslHello_ReturnsTheOfferedProtocolsInOrder()
    {
        Assert.Equal("h2,http/1.1", Names(ClientHelloAlpn.Read(OpenSslHello)));
        Assert.Equal(OpenSslHello.Length - ClientHelloAlpn.RecordHeaderLength, ClientHelloAlpn.RecordLength(OpenSslHello));
    }

    [Fact]
    public void Read_EveryPrefixOfARealHello_ReturnsNull()
    {
        for (var cut = 0; cut < OpenSslHello.Length; cut++)
        {
            var prefix = OpenSslHello.AsSpan(0, cut);
            Assert.Null(ClientHelloAlpn.Read(prefix));

            // The same cut with the record header agreeing with it: now the handshake inside is short.
            if (cut > ClientHelloAlpn.RecordHeaderLength)
            {
                var record = prefix.ToArray();
                BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)(cut - ClientHelloAlpn.RecordHeaderLength));
                Assert.Null(ClientHelloAlpn.Read(record));
            }
        }
    }

    /// <summary>
    /// Length fields on the way to the ALPN names in <see cref="OpenSslHello"/> (offset, width) whose
    /// largest value runs past the vector that holds them.
    /// </summary>
    public static TheoryData<string, int, int> LengthFields() => new()
    {
        { "handshake", 6, 3 },
        { "cipher suites", 76, 2 },
        { "compression methods", 140, 1 },
        { "extensions", 142, 2 },
        { "server_name extension", 146, 2 },
        { "alpn extension", 205, 2 },
        { "alpn protocol list", 207, 2 },
        { "first protocol name", 209, 1 },
    };

    [Theory]
    [MemberData(nameof(LengthFields))]
    public void Read_LengthFieldPastItsVector_ReturnsNull(string field, int offset, int width)
    {
        var hello = OpenSslHello.ToArray();
        hello.AsSpan(offset, width).Fill(0xff);

        Assert.True(ClientHelloAlpn.Read(hello) is null, field);
    }

    [Fact]
    public void Read_EveryByteOfARealHelloFlipped_NeverThrows()
    {
        // Whatever one corrupted byte does, the reader answers (null or a list) and never reads past the record.
        for (var i = 0; i < OpenSslHello.Length; i++)
        {
            foreach (var value in new byte[] { 0x00, 0x01, 0x7f, 0x80, 0xff })
            {
                var hello = OpenSslHello.ToArray();
                hello[i] = value;
                _ = ClientHelloAlpn.Read(hello);
            }
        }
    }

    [Fact]
    public void Read_RandomRecords_NeverThrow()
    {
        var random = new Random(21);
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 600)];
            random.NextBytes(body);
            if (body.Length > 0)
            {
                body[0] = 1; // client_hello, so the reader goes past the first check
            }

            var record = new byte[ClientHelloAlpn.RecordHeaderLength + body.Length];
            record[0] = 0x16;
            record[1] = 3;
            record[2] = (byte)random.Next(0, 5);
            BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)(random.Next(2) == 0 ? body.Length : random.Next(0, 0x10000)));
            body.CopyTo(record, ClientHelloAlpn.RecordHeaderLength);
            _ = ClientHelloAlpn.Read(record);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x17, 3, 3, 0, 10 })] // application data, not a handshake
    [InlineData(new byte[] { 0x16, 2, 0, 0, 10 })] // not TLS 1.x
    [InlineData(new byte[] { 0x16, 3, 1, 0, 0 })] // empty record
    [InlineData(new byte[] { 0x16, 3, 1, 0x40, 0x01 })] // 16385 bytes: past RFC 8446 §5.1's 2^14
    [InlineData(new byte[] { 0x16, 3, 1, 0xff, 0xff })]
    [InlineData(new byte[] { 0x16, 3, 1, 0 })] // short header
    public void RecordLength_NotAReadableHandshakeRecord_IsMinusOne(byte[] header)
    {
        Assert.Equal(-1, ClientHelloAlpn.RecordLength(header));
    }

    [Fact]
    public void RecordLength_LargestPlaintextRecord_IsAccepted()
    {
        Assert.Equal(16384, ClientHelloAlpn.RecordLength([0x16, 3, 1, 0x40, 0x00]));
    }

    [Fact]
    public void Read_BuiltHelloWithAlpn_ReturnsIt()
    {
        Assert.Equal("http/1.1,h2,x", Names(ClientHelloAlpn.Read(Hello(Alpn("http/1.1", "h2", "x")))));
    }

    [Fact]
    public void Read_HelloWithoutAlpn_ReturnsNull()
    {
        Assert.Null(ClientHelloAlpn.Read(Hello(Extension(0, [0, 0]))));
        Assert.Null(ClientHelloAlpn.Read(Hello()));
        Assert.Null(ClientHelloAlpn.Read(Hello(extensions: null))); // a TLS 1.2 hello may have no extensions block at all
    }

    [Fact]
    public void Read_MalformedAlpn_ReturnsNull()
    {
        Assert.Null(ClientHelloAlpn.Read(Hello(Alpn("h2"), Alpn("http/1.1")))); // twice (RFC 8446 §4.2)
        Assert.Null(ClientHelloAlpn.Read(Hello(Alpn("h2", "")))); // an empty name (RFC 7301 §3.1)
        Assert.Null(ClientHelloAlpn.Read(Hello(Extension(16, [0, 0])))); // an empty list
        Assert.Null(ClientHelloAlpn.Read(Hello(Extension(16, [0, 3, 2, (byte)'h', (byte)'2', 0xff])))); // bytes after the list
        Assert.Null(ClientHelloAlpn.Read(Hello(Extension(16, [0])))); // no room for the list's length
    }

    [Fact]
    public void Read_HelloContinuedInTheNextRecord_ReturnsNull()
    {
        var hello = Hello(Alpn("h2"));
        var handshakeLength = (hello[6] << 16) | (hello[7] << 8) | hello[8];
        var split = hello.AsSpan(0, hello.Length - 10).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(split.AsSpan(3), (ushort)(split.Length - 5));
        Assert.True(handshakeLength > split.Length - 9);
        Assert.Null(ClientHelloAlpn.Read(split));
    }

    [Fact]
    public void Read_BytesAfterTheExtensions_ReturnsNull()
    {
        var hello = Hello(Alpn("h2"));
        var longer = new byte[hello.Length + 1];
        hello.CopyTo(longer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(longer.AsSpan(3), (ushort)(longer.Length - 5));
        longer[8]++; // the handshake claims the extra byte, the extensions block does not
        Assert.Null(ClientHelloAlpn.Read(longer));
    }

    /// <summary>What real clients send, captured from a socket the way the proxy sees it.</summary>
    public static TheoryData<string> Clients() => ["sslstream h2,http/1.1", "httpclient 2.0 or lower", "httpclient 2.0 exact", "httpclient 1.1", "curl --http2", "curl --http1.1", "openssl -alpn h2,http/1.1", "openssl", "nghttp"];

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Read_HelloFromARealClient_ReturnsWhatItOffers(string client)
    {
        var expected = client switch
        {
            "httpclient 2.0 exact" => "h2",
            "curl --http1.1" => "http/1.1",
            "nghttp" => "h2,h2-16,h2-14",
            "openssl" or "httpclient 1.1" => null, // SocketsHttpHandler sends no ALPN when it will not speak h2
            _ => "h2,http/1.1",
        };

        var record = await CaptureHelloAsync(port => Connect(client, port));

        Assert.Equal(expected, Names(ClientHelloAlpn.Read(record)));
    }

    private static async Task Connect(string client, int port)
    {
        var url = $"https://localhost:{port}/";
        switch (client)
        {
            case "sslstream h2,http/1.1":
                using (var tcp = new TcpClient())
                {
                    await tcp.ConnectAsync(IPAddress.Loopback, port);
                    await using var tls = new SslStream(tcp.GetStream());
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11] });
                }

                break;
            case "curl --http2":
            case "curl --http1.1":
                await Curl.RunAsync(client["curl ".Length..], "--insecure", url);
                break;
            case "openssl -alpn h2,http/1.1":
                await OpenSsl.ClientAsync("", "-connect", $"127.0.0.1:{port}", "-alpn", "h2,http/1.1");
                break;
            case "openssl":
                await OpenSsl.ClientAsync("", "-connect", $"127.0.0.1:{port}");
                break;
            case "nghttp":
                await Nghttp.RunAsync(url, CancellationToken.None);
                break;
            default:
                using (var http = new HttpClient())
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, url)
                    {
                        Version = client.Contains("2.0", StringComparison.Ordinal) ? HttpVersion.Version20 : HttpVersion.Version11,
                        VersionPolicy = client.EndsWith("exact", StringComparison.Ordinal) ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
                    };
                    await http.SendAsync(request);
                }

                break;
        }
    }

    /// <summary>Accepts one connection on 127.0.0.1, reads its first TLS record whole and closes it (the client then fails, which is expected).</summary>
    private static async Task<byte[]> CaptureHelloAsync(Func<int, Task> connect)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = Task.Run(() => connect(((IPEndPoint)listener.LocalEndpoint).Port));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        byte[] record;
        using (var socket = await listener.AcceptSocketAsync(timeout.Token))
        {
            var header = new byte[ClientHelloAlpn.RecordHeaderLength];
            await ReadExactlyAsync(socket, header, timeout.Token);
            var length = ClientHelloAlpn.RecordLength(header);
            Assert.True(length > 0, $"not a TLS handshake record: {Convert.ToHexString(header)}");
            record = new byte[header.Length + length];
            header.CopyTo(record, 0);
            await ReadExactlyAsync(socket, record.AsMemory(header.Length), timeout.Token);
        }

        try
        {
            await client.WaitAsync(timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException)
        {
            // The connection was closed on the client mid-handshake.
        }

        return record;
    }

    private static async Task ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            var n = await socket.ReceiveAsync(buffer, cancellationToken);
            Assert.True(n > 0, "the client closed before its hello was whole");
            buffer = buffer[n..];
        }
    }

    /// <summary>A minimal TLS 1.2-style ClientHello record with <paramref name="extensions"/> (null: no extensions block).</summary>
    private static byte[] Hello(params byte[][]? extensions)
    {
        var body = new List<byte> { 3, 3 };
        body.AddRange(new byte[32]); // random
        body.Add(0); // session id
        body.AddRange([0, 2, 0x13, 0x01]); // one cipher suite
        body.AddRange([1, 0]); // null compression
        if (extensions is not null)
        {
            var all = extensions.SelectMany(e => e).ToArray();
            body.AddRange([(byte)(all.Length >> 8), (byte)all.Length]);
            body.AddRange(all);
        }

        var handshake = new List<byte> { 1, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        var record = new List<byte> { 0x16, 3, 1, (byte)(handshake.Count >> 8), (byte)handshake.Count };
        record.AddRange(handshake);
        return [.. record];
    }

    private static byte[] Extension(ushort type, byte[] data) => [(byte)(type >> 8), (byte)type, (byte)(data.Length >> 8), (byte)data.Length, .. data];

    private static byte[] Alpn(params string[] names)
    {
        var list = names.SelectMany(n => new[] { (byte)n.Length }.Concat(Encoding.ASCII.GetBytes(n))).ToArray();
        return Extension(16, [(byte)(list.Length >> 8), (byte)list.Length, .. list]);
    }
}
