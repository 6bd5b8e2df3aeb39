using System.Security.Cryptography.X509Certificates;

namespace MitmFixture.Proxy;

/// <summary>An open connection to a server (or to the upstream proxy on its behalf).</summary>
internal sealed class UpstreamConnection(ServerKey key, DuplexConnection connection, X509Certificate2? certificate) : IAsyncDisposable
{
    public ServerKey Key { get; } = key;

    public DuplexConnection Connection { get; } = connection;

    /// <summary>The server's certificate, for upstream certificate sniffing.</summary>
    public X509Certificate2? Certificate { get; } = certificate;

    /// <summary>How many requests this connection carried; a reused one may have been closed by the server meanwhile.</summary>
    public int Requests { get; set; }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
