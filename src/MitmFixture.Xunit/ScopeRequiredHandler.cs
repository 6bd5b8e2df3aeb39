using MitmFixture.Xunit.Session;
using Xunit;

namespace MitmFixture.Xunit;

/// <summary>
/// Refuses a request sent through the fixture's own clients from a running test that has no
/// cassette scope open, with <see cref="UnattributedRequestException"/> (and a warning on the test,
/// for an app under test that catches it), unless the fixture passes traffic through. Sent on, it
/// would take the shared port, which belongs to another test whose scope is open alone (that test's
/// cassette would get this one's flows), or, with none open, go to the network unrecorded, even in
/// Replay mode. VCR libraries refuse a request made with no cassette inserted the same way.
/// </summary>
internal sealed class ScopeRequiredHandler(HttpMessageHandler inner, Func<string, bool> testHasScope, Func<bool> passesThrough) : DelegatingHandler(inner)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (TestContext.Current.Test is { } test && !testHasScope(test.UniqueID) && !passesThrough())
        {
            var why = $"test '{test.TestDisplayName}' sent {request.Method} {request.RequestUri} through the fixture with no cassette scope open: call 'await using var cassette = await fixture.UseCassetteAsync();' first (its flows would otherwise be recorded into another test's cassette, or sent to the network unrecorded)";
            TestContext.Current.AddWarning(why);
            throw new UnattributedRequestException(why);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
