using System.Net;
using System.Net.Sockets;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A loopback port that refuses connections for as long as this object lives: a socket bound to it
/// that never listens, so the kernel answers a connect with a reset (ECONNREFUSED) and no server
/// started in parallel can be given the port (unlike binding port 0 and letting it go).
/// </summary>
public sealed class ClosedPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public ClosedPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port; // bound in the constructor

    public string HttpUrl => $"http://127.0.0.1:{Port}";

    public void Dispose() => _socket.Dispose();
}
