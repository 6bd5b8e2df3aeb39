using System.Net;

namespace MitmFixture.Flows;

/// <summary>The client side of a flow: who connected and how.</summary>
public sealed class ClientConnectionInfo
{
    public string Id { get; init; } = Guid.NewGuid().ToString("N");

    public IPEndPoint? PeerAddress { get; init; }

    public IPEndPoint? LocalAddress { get; init; }

    /// <summary>The SNI the client sent, when TLS was intercepted.</summary>
    public string? Sni { get; set; }

    public string? Alpn { get; set; }

    public string? TlsVersion { get; set; }

    /// <summary>The negotiated cipher suite (TLS_AES_128_GCM_SHA256 ...), when TLS was intercepted.</summary>
    public string? Cipher { get; set; }

    public bool TlsEstablished { get; set; }

    public DateTimeOffset TimestampStart { get; init; }

    public DateTimeOffset? TimestampTlsSetup { get; set; }

    public DateTimeOffset? TimestampEnd { get; set; }
}

/// <summary>The server side of a flow: where the proxy connected.</summary>
public sealed class ServerConnectionInfo
{
    /// <summary>host:port the proxy dialled (the upstream proxy in upstream mode).</summary>
    public string? Address { get; set; }

    public IPEndPoint? PeerAddress { get; set; }

    public string? Sni { get; set; }

    public string? Alpn { get; set; }

    public string? TlsVersion { get; set; }

    public string? Cipher { get; set; }

    /// <summary>The certificate the server presented, when the connection used TLS.</summary>
    public ServerCertificateInfo? Certificate { get; set; }

    public bool TlsEstablished { get; set; }

    public DateTimeOffset? TimestampStart { get; set; }

    public DateTimeOffset? TimestampTcpSetup { get; set; }

    public DateTimeOffset? TimestampTlsSetup { get; set; }
}

/// <summary>What a flow keeps of the server's certificate (mitmproxy keeps the certificate list; these are the parts shown and matched).</summary>
public sealed record ServerCertificateInfo(string Subject, string Issuer, IReadOnlyList<string> SubjectAlternativeNames, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Sha256)
{
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
