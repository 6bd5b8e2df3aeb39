using System.Net;

namespace MitmFixture.Flows;

/// <summary>The client side of a flow: who connected and how.</summary>
public sealed class ClientConnectionInfo
{
    /// <summary>A unique id for this connection.</summary>
    public string Id { get; init; } = RandomIds.NewGuid().ToString("N");

    /// <summary>The client's address, as the proxy saw it.</summary>
    public IPEndPoint? PeerAddress { get; init; }

    /// <summary>The proxy's address the client connected to.</summary>
    public IPEndPoint? LocalAddress { get; init; }

    /// <summary>The SNI the client sent, when TLS was intercepted.</summary>
    public string? Sni { get; set; }

    /// <summary>The ALPN protocol agreed with the client, when TLS was intercepted.</summary>
    public string? Alpn { get; set; }

    /// <summary>The TLS version agreed with the client, when TLS was intercepted.</summary>
    public string? TlsVersion { get; set; }

    /// <summary>The negotiated cipher suite (TLS_AES_128_GCM_SHA256 ...), when TLS was intercepted.</summary>
    public string? Cipher { get; set; }

    /// <summary>True once the TLS handshake with the client completed.</summary>
    public bool TlsEstablished { get; set; }

    /// <summary>When the client connected.</summary>
    public DateTimeOffset TimestampStart { get; init; }

    /// <summary>When the TLS handshake with the client completed.</summary>
    public DateTimeOffset? TimestampTlsSetup { get; set; }

    /// <summary>When the client connection closed.</summary>
    public DateTimeOffset? TimestampEnd { get; set; }
}

/// <summary>The server side of a flow: where the proxy connected.</summary>
public sealed class ServerConnectionInfo
{
    /// <summary>host:port the proxy dialled (the upstream proxy in upstream mode).</summary>
    public string? Address { get; set; }

    /// <summary>The server's address the proxy connected to.</summary>
    public IPEndPoint? PeerAddress { get; set; }

    /// <summary>The SNI the proxy sent to the server.</summary>
    public string? Sni { get; set; }

    /// <summary>The ALPN protocol agreed with the server.</summary>
    public string? Alpn { get; set; }

    /// <summary>The TLS version agreed with the server.</summary>
    public string? TlsVersion { get; set; }

    /// <summary>The cipher suite agreed with the server.</summary>
    public string? Cipher { get; set; }

    /// <summary>The certificate the server presented, when the connection used TLS.</summary>
    public ServerCertificateInfo? Certificate { get; set; }

    /// <summary>True once the TLS handshake with the server completed.</summary>
    public bool TlsEstablished { get; set; }

    /// <summary>When the proxy started connecting to the server.</summary>
    public DateTimeOffset? TimestampStart { get; set; }

    /// <summary>When the TCP connection to the server was set up.</summary>
    public DateTimeOffset? TimestampTcpSetup { get; set; }

    /// <summary>When the TLS handshake with the server completed.</summary>
    public DateTimeOffset? TimestampTlsSetup { get; set; }
}

/// <summary>What a flow keeps of the server's certificate (mitmproxy keeps the certificate list; these are the parts shown and matched).</summary>
public sealed record ServerCertificateInfo(string Subject, string Issuer, IReadOnlyList<string> SubjectAlternativeNames, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Sha256)
{
    /// <summary>The parts of <paramref name="certificate"/> a flow keeps.</summary>
    public static ServerCertificateInfo From(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var sans = certificate.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension>()
            .SelectMany(e => e.EnumerateDnsNames().Concat(e.EnumerateIPAddresses().Select(a => a.ToString())))
            .ToList();
        return new ServerCertificateInfo(
            certificate.Subject,
            certificate.Issuer,
            sans,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
    }
}
