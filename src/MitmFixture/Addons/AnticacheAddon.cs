using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary><c>anticache</c>: strips the headers that let a server answer 304 Not Modified, so every response has a body to record.</summary>
public sealed class AnticacheAddon : ProxyAddon
{
    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        flow.Request.Headers.Remove("If-None-Match");
        flow.Request.Headers.Remove("If-Modified-Since");
        return default;
    }
}
