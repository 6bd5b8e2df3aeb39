using System.Globalization;
using System.Net;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// A flow's connection details to and from the cassette's "connection" (format version 2). Loaded
/// values are untrusted: addresses must parse, text must have no control characters (it reaches the
/// console and dump), fingerprints must be hex.
/// </summary>
internal static class ConnectionMapper
{
    private const int MaxText = 4096;

    public static ConnectionRecord? ToRecord(Flow flow)
    {
        var c = flow.Client;
        var s = flow.Server;
        var client = c.PeerAddress is null && c.Sni is null && !c.TlsEstablished ? null : new ClientRecord
        {
            Address = c.PeerAddress?.ToString(),
            Sni = c.Sni,
            Alpn = Empty(c.Alpn),
            TlsVersion = c.TlsEstablished ? c.TlsVersion : null,
            Cipher = c.Cipher,
            TimestampStart = c.PeerAddress is null ? null : c.TimestampStart,
            TimestampTlsSetup = c.TimestampTlsSetup,
        };
        var server = s.Address is null && s.PeerAddress is null ? null : new ServerRecord
        {
            Address = s.Address,
            PeerAddress = s.PeerAddress?.ToString(),
            Sni = s.Sni,
            Alpn = Empty(s.Alpn),
            TlsVersion = s.TlsEstablished ? s.TlsVersion : null,
            Cipher = s.Cipher,
            Certificate = s.Certificate is { } cert ? new CertificateRecord
            {
                Subject = cert.Subject,
                Issuer = cert.Issuer,
                Sans = [.. cert.SubjectAlternativeNames],
                NotBefore = cert.NotBefore,
                NotAfter = cert.NotAfter,
                Sha256 = cert.Sha256,
            } : null,
            TimestampStart = s.TimestampStart,
            TimestampTcpSetup = s.TimestampTcpSetup,
            TimestampTlsSetup = s.TimestampTlsSetup,
        };
        return client is null && server is null ? null : new ConnectionRecord { Client = client, Server = server };
    }

    /// <summary>The client side of a loaded flow; a bare one when the cassette has none.</summary>
    public static ClientConnectionInfo Client(ConnectionRecord? record, DateTimeOffset? requestStart, string at)
    {
        var c = record?.Client;
        if (c is null)
        {
            return new ClientConnectionInfo { TimestampStart = requestStart ?? DateTimeOffset.UnixEpoch };
        }

        at += ".connection.client";
        return new ClientConnectionInfo
        {
            PeerAddress = Endpoint(c.Address, at + ".address"),
            Sni = Text(c.Sni, at + ".sni"),
            Alpn = Text(c.Alpn, at + ".alpn"),
            TlsVersion = Text(c.TlsVersion, at + ".tls_version"),
            Cipher = Text(c.Cipher, at + ".cipher"),
            TlsEstablished = c.TlsVersion is not null,
            TimestampStart = c.TimestampStart ?? requestStart ?? DateTimeOffset.UnixEpoch,
            TimestampTlsSetup = c.TimestampTlsSetup,
        };
    }

    /// <summary>The server side of a loaded flow; without a record, the request's host:port as live flows get before any hook.</summary>
    public static ServerConnectionInfo Server(ConnectionRecord? record, HttpRequest request, string at)
    {
        var s = record?.Server;
        if (s is null)
        {
            return new ServerConnectionInfo { Address = HostPort.Format(request.Host, request.Port) };
        }

        at += ".connection.server";
        if (s.Address is { } address && (!HostPort.TrySplit(address, out var host, out var port) || port is null || CassetteValidator.Host(host) is not null || HttpSyntax.Port(port.Value) is not null))
        {
            throw new CassetteFormatException(at + ".address", $"is {CassetteValidator.Quote(address)}; expected host:port");
        }

        return new ServerConnectionInfo
        {
            Address = s.Address,
            PeerAddress = Endpoint(s.PeerAddress, at + ".peer_address"),
            Sni = Text(s.Sni, at + ".sni"),
            Alpn = Text(s.Alpn, at + ".alpn"),
            TlsVersion = Text(s.TlsVersion, at + ".tls_version"),
            Cipher = Text(s.Cipher, at + ".cipher"),
            TlsEstablished = s.TlsVersion is not null,
            Certificate = s.Certificate is { } cert ? Certificate(cert, at + ".certificate") : null,
            TimestampStart = s.TimestampStart,
            TimestampTcpSetup = s.TimestampTcpSetup,
            TimestampTlsSetup = s.TimestampTlsSetup,
        };
    }

    private static ServerCertificateInfo Certificate(CertificateRecord cert, string at)
    {
        if (cert.Sha256 is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigit))
        {
            throw new CassetteFormatException(at + ".sha256", $"is {CassetteValidator.Quote(cert.Sha256)}; expected 64 hex digits");
        }

        var sans = cert.Sans ?? throw new CassetteFormatException(at + ".sans", "expected an array of names, got null");
        return new ServerCertificateInfo(
            Text(cert.Subject, at + ".subject")!,
            Text(cert.Issuer, at + ".issuer")!,
            sans.Select((n, i) => Text(n ?? throw new CassetteFormatException($"{at}.sans[{i}]", "expected a name, got null"), $"{at}.sans[{i}]")!).ToList(),
            cert.NotBefore,
            cert.NotAfter,
            sha.ToUpperInvariant());
    }

    private static IPEndPoint? Endpoint(string? text, string at)
    {
        if (text is null)
        {
            return null;
        }

        return IPEndPoint.TryParse(text, out var endpoint) && text.Contains(':', StringComparison.Ordinal)
            ? endpoint
            : throw new CassetteFormatException(at, $"is {CassetteValidator.Quote(text)}; expected ip:port such as 127.0.0.1:5000 or [::1]:5000");
    }

    /// <summary>Shown in the console and dump: no control characters (HTAB aside), bounded.</summary>
    private static string? Text(string? text, string at)
    {
        if (text is null)
        {
            return null;
        }

        if (text.Length > MaxText)
        {
            throw new CassetteFormatException(at, $"is {text.Length.ToString(CultureInfo.InvariantCulture)} characters long; expected at most {MaxText.ToString(CultureInfo.InvariantCulture)}");
        }

        return HttpSyntax.FieldText(text) is { } problem ? throw new CassetteFormatException(at, "the value " + problem) : text;
    }

    private static string? Empty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
