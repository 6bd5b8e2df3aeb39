using System.Buffers.Binary;
using System.Net.Security;

namespace MitmFixture.Tls;

/// <summary>
/// Reads the ALPN protocols a client offers from its first TLS record, without I/O. .NET's
/// <see cref="SslClientHelloInfo"/> gives the SNI but not the ALPN list, and mitmproxy offers the
/// server exactly what the client offered (addons/tlsconfig.py, tls_start_server), so the proxy
/// peeks the ClientHello record and reads the list itself.
/// <code>
/// record:    type 0x16 · version (2) · length (2, ≤ 2^14)                        RFC 8446 §5.1
/// handshake: type 1 (client_hello) · length (3)                                  RFC 8446 §4
/// hello:     version (2) · random (32) · session_id &lt;0..32&gt; · cipher_suites &lt;2..2^16-2&gt;
///            · compression_methods &lt;1..2^8-1&gt; · extensions &lt;0..2^16-1&gt;    RFC 8446 §4.1.2
/// extension: type (2) · length (2) · data; type 16 is ALPN: a list &lt;2..2^16-1&gt; of
///            names &lt;1..2^8-1&gt;                                                  RFC 7301 §3.1
/// </code>
/// Every length is checked against what is left before it is used: a hostile hello gets null, never
/// an exception or a read past the buffer.
/// </summary>
internal static class ClientHelloAlpn
{
    /// <summary>The bytes of a TLS record header: content type, legacy version, length.</summary>
    public const int RecordHeaderLength = 5;

    /// <summary>The largest plaintext record body (RFC 8446 §5.1: 2^14); a ClientHello is sent in plaintext.</summary>
    public const int MaxRecordLength = 16384;

    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloType = 1;
    private const ushort AlpnExtension = 16;

    /// <summary>
    /// The body length a record header announces, or -1 when <paramref name="header"/> is not the header of
    /// a TLS handshake record of at most <see cref="MaxRecordLength"/> bytes (then nothing more is worth reading).
    /// </summary>
    public static int RecordLength(ReadOnlySpan<byte> header)
    {
        if (header.Length < RecordHeaderLength || header[0] != HandshakeRecord || header[1] != 3)
        {
            return -1;
        }

        var length = BinaryPrimitives.ReadUInt16BigEndian(header[3..]);
        return length is > 0 and <= MaxRecordLength ? length : -1;
    }

    /// <summary>
    /// The protocol names offered in the ClientHello that <paramref name="record"/> (header included)
    /// carries, in the client's order of preference; null when it has no ALPN extension, or the hello is
    /// malformed, truncated or does not fit in this one record.
    /// </summary>
    public static List<SslApplicationProtocol>? Read(ReadOnlySpan<byte> record)
    {
        var recordLength = RecordLength(record);
        if (recordLength < 0 || record.Length < RecordHeaderLength + recordLength)
        {
            return null;
        }

        var handshake = record.Slice(RecordHeaderLength, recordLength);
        if (handshake.Length < 4 || handshake[0] != ClientHelloType)
        {
            return null;
        }

        var helloLength = (handshake[1] << 16) | (handshake[2] << 8) | handshake[3];
        if (helloLength > handshake.Length - 4)
        {
            return null; // continued in the next record: not read (ClientHellos fit in one in practice)
        }

        var hello = handshake.Slice(4, helloLength);
        if (!Skip(ref hello, 2 + 32) // legacy_version, random
            || !SkipVector(ref hello, 1) // legacy_session_id
            || !SkipVector(ref hello, 2) // cipher_suites
            || !SkipVector(ref hello, 1)) // legacy_compression_methods
        {
            return null;
        }

        if (!TakeVector(ref hello, 2, out var extensions) || !hello.IsEmpty)
        {
            return null; // a TLS 1.2 hello may end without extensions: then there is no ALPN either
        }

        List<SslApplicationProtocol>? offered = null;
        while (!extensions.IsEmpty)
        {
            if (extensions.Length < 2)
            {
                return null;
            }

            var type = BinaryPrimitives.ReadUInt16BigEndian(extensions);
            extensions = extensions[2..];
            if (!TakeVector(ref extensions, 2, out var data))
            {
                return null;
            }

            if (type != AlpnExtension)
            {
                continue;
            }

            if (offered is not null)
            {
                return null; // RFC 8446 §4.2: an extension type appears at most once; which one would count is ambiguous
            }

            offered = ReadProtocolNames(data);
            if (offered is null)
            {
                return null;
            }
        }

        return offered;
    }

    /// <summary>The ALPN extension's ProtocolNameList: one 2-byte length, then names of 1 to 255 bytes; null when malformed.</summary>
    private static List<SslApplicationProtocol>? ReadProtocolNames(ReadOnlySpan<byte> data)
    {
        if (!TakeVector(ref data, 2, out var list) || !data.IsEmpty || list.IsEmpty)
        {
            return null;
        }

        var names = new List<SslApplicationProtocol>();
        while (!list.IsEmpty)
        {
            if (!TakeVector(ref list, 1, out var name) || name.IsEmpty)
            {
                return null; // RFC 7301 §3.1: empty names MUST NOT be included
            }

            names.Add(new SslApplicationProtocol(name.ToArray()));
        }

        return names;
    }

    private static bool Skip(ref ReadOnlySpan<byte> span, int count)
    {
        if (span.Length < count)
        {
            return false;
        }

        span = span[count..];
        return true;
    }

    private static bool SkipVector(ref ReadOnlySpan<byte> span, int lengthBytes) => TakeVector(ref span, lengthBytes, out _);

    /// <summary>Takes a vector with a 1- or 2-byte big-endian length prefix off the front of <paramref name="span"/>.</summary>
    private static bool TakeVector(ref ReadOnlySpan<byte> span, int lengthBytes, out ReadOnlySpan<byte> vector)
    {
        vector = default;
        if (span.Length < lengthBytes)
        {
            return false;
        }

        var length = lengthBytes == 1 ? span[0] : BinaryPrimitives.ReadUInt16BigEndian(span);
        if (length > span.Length - lengthBytes)
        {
            return false;
        }

        vector = span.Slice(lengthBytes, length);
        span = span[(lengthBytes + length)..];
        return true;
    }
}
