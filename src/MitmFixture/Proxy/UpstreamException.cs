namespace MitmFixture.Proxy;

/// <summary>
/// An expected failure talking to a server: refused, unresolvable, timed out, TLS refused, closed
/// early. It becomes the flow's error and a 502 or 504 for the client; it never takes the proxy down.
/// </summary>
internal class UpstreamException(string message, int statusCode = 502, Exception? inner = null)
    : Exception(message, inner)
{
    public int StatusCode { get; } = statusCode;
}
