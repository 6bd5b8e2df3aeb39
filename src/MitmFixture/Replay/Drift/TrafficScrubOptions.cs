namespace MitmFixture.Replay.Drift;

/// <summary>
/// How traffic is normalised before it is compared: by the fixture's traffic snapshots and by the
/// drift check, so both ignore the same volatile values.
/// </summary>
public sealed record TrafficScrubOptions
{
    /// <summary>Headers whose values change every run, replaced by a placeholder. Default: Date, Expires, Last-Modified, Age, ETag, X-Request-Id, Request-Id, traceparent, tracestate, Server-Timing, X-Connection-Id.</summary>
    public IReadOnlyList<string> ScrubHeaders { get; init; } =
        ["Date", "Expires", "Last-Modified", "Age", "ETag", "X-Request-Id", "Request-Id", "traceparent", "tracestate", "Server-Timing", "X-Connection-Id"];

    /// <summary>Headers left out entirely (noise such as User-Agent or Content-Length). Default: Content-Length, Connection, Keep-Alive, User-Agent.</summary>
    public IReadOnlyList<string> IgnoreHeaders { get; init; } = ["Content-Length", "Connection", "Keep-Alive", "User-Agent"];

    /// <summary>JSON body fields (paths such as <c>id</c> or <c>$.meta.generated</c>) replaced by a placeholder, for ids and timestamps. Default none.</summary>
    public IReadOnlyList<string> ScrubJsonFields { get; init; } = [];

    /// <summary>
    /// The drift check's rules: these plus the framing headers a live answer may choose differently
    /// from the recording (Transfer-Encoding, Content-Encoding: bodies are compared decoded), and the
    /// user's own headers and JSON fields.
    /// </summary>
    public TrafficScrubOptions ForDrift(IEnumerable<string> ignoreHeaders, IEnumerable<string> ignoreJsonFields) => this with
    {
        IgnoreHeaders = [.. IgnoreHeaders, "Transfer-Encoding", "Content-Encoding", .. ignoreHeaders],
        ScrubJsonFields = [.. ScrubJsonFields, .. ignoreJsonFields],
    };
}
