namespace MitmFixture.Http;

/// <summary>
/// The slowest a peer may send or receive a body: after <see cref="GracePeriod"/>, the bytes moved
/// divided by the time spent waiting on the peer must stay at or above <see cref="BytesPerSecond"/>
/// (Kestrel's MinDataRate). It ends connections that trickle a byte at a time to hold them open.
/// </summary>
/// <param name="BytesPerSecond">The minimum average rate, in bytes per second; must be positive.</param>
/// <param name="GracePeriod">How long the rate is not checked at the start of a body.</param>
public sealed record MinDataRate(double BytesPerSecond, TimeSpan GracePeriod)
{
    /// <summary>Kestrel's default for both directions: 240 bytes/s after 5 s.</summary>
    public static MinDataRate Default { get; } = new(240, TimeSpan.FromSeconds(5));

    /// <inheritdoc/>
    public override string ToString() => $"{BytesPerSecond:0.#} bytes/s after {GracePeriod.TotalSeconds:0.#} s";
}
