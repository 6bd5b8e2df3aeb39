namespace MitmFixture.Proxy;

/// <summary>The server every request on a connection goes to: a CONNECT target, or the reverse-mode server.</summary>
internal sealed record TunnelTarget(string Scheme, string Host, int Port, bool ClientTls);
