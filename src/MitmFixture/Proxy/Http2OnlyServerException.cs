using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Proxy;

/// <summary>
/// The server refused the TLS handshake offering http/1.1 and completed one offering h2: it speaks
/// only HTTP/2 (UpstreamConnector remembers it). The caller sends the flow through the h2 forwarder
/// instead, translating an HTTP/1.1 client's request (issue 21: "translation when they differ").
/// </summary>
internal sealed class Http2OnlyServerException(string message, X509Certificate2? certificate, Exception inner)
    : UpstreamException(message, 502, inner)
{
    /// <summary>The certificate the h2 handshake showed, for upstream certificate sniffing.</summary>
    public X509Certificate2? Certificate { get; } = certificate;
}
