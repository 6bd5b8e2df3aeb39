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

    public bool TlsEstablished { get; set; }

    public DateTimeOffset? TimestampStart { get; set; }

    public DateTimeOffset? TimestampTcpSetup { get; set; }

    public DateTimeOffset? TimestampTlsSetup { get; set; }
}
