namespace MitmFixture.Proxy;

/// <summary>What identifies a reusable server connection.</summary>
internal readonly record struct ServerKey(string Scheme, string Host, int Port, string? Sni)
{
    public bool IsTls => Scheme == "https";

    public override string ToString() => $"{Scheme}://{Http.HostPort.Format(Host, Port)}";
}
