namespace MitmFixture.Xunit.Session;

/// <summary>How traffic is normalised before it is compared with the verified snapshot.</summary>
public sealed record SnapshotOptions
{
    /// <summary>Headers whose values change every run, replaced by a placeholder. Default: Date, Expires, Last-Modified, Age, ETag, X-Request-Id, Request-Id, traceparent, tracestate, Server-Timing, X-Connection-Id.</summary>
    public IReadOnlyList<string> ScrubHeaders { get; init; } =
        ["Date", "Expires", "Last-Modified", "Age", "ETag", "X-Request-Id", "Request-Id", "traceparent", "tracestate", "Server-Timing", "X-Connection-Id"];

    /// <summary>Headers left out entirely (noise such as User-Agent or Content-Length). Default: Content-Length, Connection, Keep-Alive, User-Agent.</summary>
    public IReadOnlyList<string> IgnoreHeaders { get; init; } = ["Content-Length", "Connection", "Keep-Alive", "User-Agent"];

    /// <summary>JSON body fields (paths) replaced by a placeholder, for ids and timestamps a test generates. Default none.</summary>
    public IReadOnlyList<string> ScrubJsonFields { get; init; } = [];
}
