using System.Net;

namespace MitmFixture.Xunit.Session;

/// <summary>
/// Where one request through the fixture's own clients goes: a proxy port (its test's cassette port,
/// or the shared port when the fixture passes traffic through), or nowhere, with the reason it is refused.
/// </summary>
/// <param name="Scope">The cassette scope whose port was chosen, if one was: it may end before the request connects.</param>
internal readonly record struct RequestRoute(Uri? ProxyUrl, string? Refusal, CassetteScope? Scope = null)
{
    public static RequestRoute To(Uri proxyUrl) => new(proxyUrl, null);

    public static RequestRoute To(CassetteScope scope) => new(scope.ProxyUrl, null, scope);

    public static RequestRoute Refuse(string why) => new(null, why);
}

/// <summary>
/// The fixture's own handler (<c>CreateHandler()</c>/<c>CreateClient()</c>): asks the test framework's
/// adapter once per request where the request goes, in the execution context it was sent from, and
/// sends it to that port or refuses it. A refused request throws <see cref="UnattributedRequestException"/>
/// to the sender and is remembered by the fixture (<see cref="SessionAddon.Refused"/>), because the
/// sender may catch it (an app under test, a timer) or may belong to a test that is already over:
/// the next cassette scope to end fails with it, or else the fixture's dispose.
/// </summary>
/// <remarks>
/// The route is decided here and handed to the proxy lookup of the same request (an
/// <see cref="AsyncLocal{T}"/> that SocketsHttpHandler's <see cref="IWebProxy.GetProxy"/> reads in
/// this execution context), so a scope that ends between the check and the connection cannot turn the
/// request towards the shared port, where it would belong to another test's cassette.
/// </remarks>
internal sealed class RoutingHandler(HttpMessageHandler inner, Func<HttpRequestMessage, RequestRoute> route, Action<string> refused) : DelegatingHandler(inner)
{
    private static readonly AsyncLocal<Uri?> Chosen = new();

    /// <summary>The <see cref="IWebProxy"/> for the inner handler: the port this handler chose for the request being sent.</summary>
    public static IWebProxy Proxy { get; } = new ChosenProxy();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var to = route(request);
        if (to.Refusal is { } why)
        {
            refused(why);
            throw new UnattributedRequestException(why);
        }

        Chosen.Value = to.ProxyUrl; // an async method: the value is this request's alone, undone when it returns
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (to.Scope is { Ended: true } scope)
        {
            // The scope ended between the choice and the connection (its port closed): the test did not
            // wait for its request, as when it sends one after the end, so it is remembered the same way.
            var ended = scope.EndedMessage(request.Method.Method, request.RequestUri?.ToString() ?? "(no URI)");
            refused(ended);
            throw new UnattributedRequestException(ended, e);
        }
    }

    private sealed class ChosenProxy : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) => Chosen.Value ?? throw new InvalidOperationException("MitmFixture: a request reached the fixture's proxy lookup without a route; send it through the handler CreateHandler() returns");

        public bool IsBypassed(Uri host) => false;
    }
}
