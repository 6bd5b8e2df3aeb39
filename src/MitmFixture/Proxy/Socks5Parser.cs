using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MitmFixture.Proxy;

/// <summary>RFC 1928 §6 reply codes this proxy sends.</summary>
internal enum Socks5Reply : byte
{
    Succeeded = 0x00,
    GeneralFailure = 0x01,
    CommandNotSupported = 0x07,
    AddressTypeNotSupported = 0x08,
}

/// <summary>A SOCKS5 handshake the proxy refuses; <see cref="Reply"/> is the bytes the protocol answers it with before closing.</summary>
internal sealed class Socks5Exception(string message, byte[] reply) : Exception(message)
{
    public byte[] Reply { get; } = reply;

    /// <summary>RFC 1928 §3: "X'FF' NO ACCEPTABLE METHODS"; also the answer to a greeting that is not SOCKS5 at all.</summary>
    public static Socks5Exception NoAcceptableMethods(string message) => new(message, [Socks5Parser.Version, 0xFF]);

    /// <summary>RFC 1928 §6: a reply with the code and an all-zero IPv4 bound address.</summary>
    public static Socks5Exception Refused(string message, Socks5Reply code) => new(message, Socks5Parser.Reply(code));
}

/// <summary>
/// The SOCKS5 handshake (RFC 1928), parsed without I/O: each method returns false for "need more
/// bytes" and leaves the reader where it was; bad input throws <see cref="Socks5Exception"/>.
/// <code>
/// client: VER=5 NMETHODS METHODS...          server: VER=5 METHOD (0 none, 2 user/pass, FF none acceptable)
/// [client: VER=1 ULEN UNAME PLEN PASSWD       server: VER=1 STATUS (0 ok)]    RFC 1929
/// client: VER=5 CMD=1 RSV=0 ATYP ADDR PORT    server: VER=5 REP RSV ATYP BND.ADDR BND.PORT
/// </code>
/// </summary>
internal static class Socks5Parser
{
    public const byte Version = 0x05;
    public const byte NoAuthentication = 0x00;
    public const byte UsernamePassword = 0x02;
    private const byte UsernamePasswordVersion = 0x01;
    private const byte CommandConnect = 0x01;

    /// <summary>The methods the client offers.</summary>
    public static bool TryParseGreeting(ref SequenceReader<byte> reader, out byte[] methods)
    {
        methods = [];
        var copy = reader;
        if (!copy.TryRead(out var version))
        {
            return false;
        }

        if (version != Version)
        {
            var hint = version == 0x04 ? " (SOCKS4 is not supported)" : char.IsAsciiLetterUpper((char)version) ? " (this looks like HTTP: is the client using this SOCKS5 proxy as an HTTP proxy?)" : "";
            throw Socks5Exception.NoAcceptableMethods($"expected SOCKS version 5, got 0x{version:x2}{hint}");
        }

        if (!copy.TryRead(out var count))
        {
            return false;
        }

        if (count == 0)
        {
            throw Socks5Exception.NoAcceptableMethods("the greeting offers no authentication method");
        }

        if (copy.Remaining < count)
        {
            return false;
        }

        methods = new byte[count];
        copy.TryCopyTo(methods);
        copy.Advance(count);
        reader = copy;
        return true;
    }

    /// <summary>RFC 1929 §2: the username and password (each 1 to 255 bytes, read as UTF-8 as curl and .NET send them).</summary>
    public static bool TryParseCredentials(ref SequenceReader<byte> reader, out string username, out string password)
    {
        username = password = "";
        var copy = reader;
        if (!copy.TryRead(out var version))
        {
            return false;
        }

        if (version != UsernamePasswordVersion)
        {
            throw new Socks5Exception($"expected username/password version 1 (RFC 1929), got 0x{version:x2}", [UsernamePasswordVersion, 0x01]);
        }

        if (!TryReadString(ref copy, out username, "the username") || !TryReadString(ref copy, out password, "the password"))
        {
            return false;
        }

        reader = copy;
        return true;
    }

    /// <summary>The CONNECT request's destination: an IPv4 or IPv6 address, or a domain name as sent.</summary>
    public static bool TryParseRequest(ref SequenceReader<byte> reader, out string host, out int port)
    {
        host = "";
        port = 0;
        var copy = reader;
        if (copy.Remaining < 4)
        {
            return false;
        }

        copy.TryRead(out var version);
        copy.TryRead(out var command);
        copy.TryRead(out var reserved);
        copy.TryRead(out var addressType);
        if (version != Version)
        {
            throw Socks5Exception.Refused($"expected SOCKS version 5 in the request, got 0x{version:x2}", Socks5Reply.GeneralFailure);
        }

        if (command != CommandConnect)
        {
            throw Socks5Exception.Refused($"only CONNECT (1) is supported, got command 0x{command:x2}" + (command is 2 or 3 ? (command == 2 ? " (BIND)" : " (UDP ASSOCIATE)") : ""), Socks5Reply.CommandNotSupported);
        }

        if (reserved != 0)
        {
            throw Socks5Exception.Refused($"the reserved byte must be 0, got 0x{reserved:x2}", Socks5Reply.GeneralFailure);
        }

        switch (addressType)
        {
            case 0x01:
            case 0x04:
                var length = addressType == 0x01 ? 4 : 16;
                if (copy.Remaining < length + 2)
                {
                    return false;
                }

                var address = new byte[length];
                copy.TryCopyTo(address);
                copy.Advance(length);
                host = new IPAddress(address).ToString();
                break;
            case 0x03:
                if (!copy.TryRead(out var nameLength))
                {
                    return false;
                }

                if (nameLength == 0)
                {
                    throw Socks5Exception.Refused("the domain name is empty", Socks5Reply.GeneralFailure);
                }

                if (copy.Remaining < nameLength + 2)
                {
                    return false;
                }

                var name = new byte[nameLength];
                copy.TryCopyTo(name);
                copy.Advance(nameLength);
                host = Encoding.ASCII.GetString(name);
                if (name.Any(b => b > 0x7E || b <= 0x20) || Uri.CheckHostName(host) is not (UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6))
                {
                    throw Socks5Exception.Refused($"the domain name '{Encoding.ASCII.GetString(name.Select(b => b is > 0x20 and < 0x7F ? b : (byte)'?').ToArray())}' is not a host name", Socks5Reply.GeneralFailure);
                }

                break;
            default:
                throw Socks5Exception.Refused($"address type 0x{addressType:x2} is not 1 (IPv4), 3 (domain) or 4 (IPv6)", Socks5Reply.AddressTypeNotSupported);
        }

        Span<byte> portBytes = stackalloc byte[2];
        copy.TryCopyTo(portBytes);
        copy.Advance(2);
        port = BinaryPrimitives.ReadUInt16BigEndian(portBytes);
        if (port == 0)
        {
            throw Socks5Exception.Refused("port 0 cannot be connected to", Socks5Reply.GeneralFailure);
        }

        reader = copy;
        return true;
    }

    /// <summary>RFC 1928 §6. The bound address is all zeros: the proxy dials lazily (or never, when replaying), as mitmproxy does.</summary>
    public static byte[] Reply(Socks5Reply code) => [Version, (byte)code, 0x00, 0x01, 0, 0, 0, 0, 0, 0];

    private static bool TryReadString(ref SequenceReader<byte> reader, out string value, string what)
    {
        value = "";
        if (!reader.TryRead(out var length))
        {
            return false;
        }

        if (length == 0)
        {
            throw new Socks5Exception($"{what} is empty", [UsernamePasswordVersion, 0x01]);
        }

        if (reader.Remaining < length)
        {
            return false;
        }

        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        value = Encoding.UTF8.GetString(bytes);
        return true;
    }
}
