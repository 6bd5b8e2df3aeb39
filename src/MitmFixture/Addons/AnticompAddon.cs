using MitmFixture.Flows;

namespace MitmFixture.Addons;

/// <summary><c>anticomp</c>: asks servers for uncompressed bodies.</summary>
public sealed class AnticompAddon : ProxyAddon
{
    /// <inheritdoc/>
    public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
    {
        flow.Request.Headers.Set("Accept-Encoding", "identity");
        return default;
    }
}
