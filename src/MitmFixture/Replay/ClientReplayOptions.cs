namespace MitmFixture.Replay;

/// <summary>How <see cref="ClientReplayer"/> sends recorded requests again (the <c>client-replay</c> command).</summary>
public sealed record ClientReplayOptions
{
    /// <summary><c>client_replay_stop_on_error</c>: stop at the first request that fails. Default false: record the failure and go on.</summary>
    public bool StopOnError { get; init; }
}
