namespace MitmFixture.Replay;

/// <summary>What an unmatched request gets during server replay (mitmproxy's <c>server_replay_extra</c>).</summary>
public enum UnmatchedPolicy
{
    /// <summary>Send it to the real server.</summary>
    Forward,

    /// <summary>Kill it: the client's connection closes and the flow records why.</summary>
    Kill,

    /// <summary>Answer 204 No Content.</summary>
    NoContent204,

    /// <summary>Answer 400 Bad Request, with the nearest-match explanation in the body.</summary>
    BadRequest400,

    /// <summary>Answer 404 Not Found, with the nearest-match explanation in the body.</summary>
    NotFound404,

    /// <summary>Answer 500 Internal Server Error, with the nearest-match explanation in the body.</summary>
    ServerError500,
}

/// <summary>
/// How recorded requests are matched and served, with mitmproxy's <c>server_replay_*</c> options.
/// By default a request matches on scheme, method, host, port, path, query pairs in order and body.
/// </summary>
public sealed record ServerReplayOptions
{
    /// <summary><c>server_replay_use_headers</c>: header names that must match too. Default none.</summary>
    public IReadOnlyList<string> UseHeaders { get; init; } = [];

    /// <summary><c>server_replay_ignore_content</c>: ignore request bodies. Default false.</summary>
    public bool IgnoreContent { get; init; }

    /// <summary><c>server_replay_ignore_params</c>: query parameters left out of matching. Default none.</summary>
    public IReadOnlyList<string> IgnoreParams { get; init; } = [];

    /// <summary><c>server_replay_ignore_payload_params</c>: urlencoded or multipart form fields left out. Default none.</summary>
    public IReadOnlyList<string> IgnorePayloadParams { get; init; } = [];

    /// <summary><c>server_replay_ignore_host</c>: match any host. Default false.</summary>
    public bool IgnoreHost { get; init; }

    /// <summary><c>server_replay_ignore_port</c>: match any port. Default false.</summary>
    public bool IgnorePort { get; init; }

    /// <summary>JSON body fields (paths such as <c>requestId</c> or <c>meta.timestamp</c>) left out of matching. Default none.</summary>
    public IReadOnlyList<string> IgnoreJsonFields { get; init; } = [];

    /// <summary>
    /// <c>server_replay_reuse</c> (alias <c>server_replay_nopop</c>): serve a recorded response again.
    /// Default false: each response is served once, in recording order, for repeated identical requests.
    /// </summary>
    public bool Reuse { get; init; }

    /// <summary><c>server_replay_refresh</c>: shift Date, Expires, Last-Modified and cookie expiry to now. Default true.</summary>
    public bool Refresh { get; init; } = true;

    /// <summary><c>server_replay_extra</c>: what unmatched requests get. Default <see cref="UnmatchedPolicy.Forward"/>.</summary>
    public UnmatchedPolicy Extra { get; init; } = UnmatchedPolicy.Forward;

    /// <summary><c>server_replay_kill_extra</c>: kill unmatched requests (the same as <c>Extra = Kill</c>).</summary>
    public bool KillExtra { get; init; }

    /// <summary>WebSocket replay: accept any client message where the recording has one, instead of requiring the same content. Default false.</summary>
    public bool WebSocketMatchByOrder { get; init; }

    /// <summary>WebSocket replay: wait the recorded time before each server message (capped at 10 s). Default true; false plays them at once.</summary>
    public bool WebSocketPlayDelays { get; init; } = true;

    internal UnmatchedPolicy EffectiveExtra => KillExtra ? UnmatchedPolicy.Kill : Extra;

    /// <summary>Parses mitmproxy's spelling of <c>server_replay_extra</c>: forward, kill, 204, 400, 404, 500.</summary>
    public static UnmatchedPolicy ParseExtra(string text) => text.Trim().ToLowerInvariant() switch
    {
        "forward" => UnmatchedPolicy.Forward,
        "kill" => UnmatchedPolicy.Kill,
        "204" => UnmatchedPolicy.NoContent204,
        "400" => UnmatchedPolicy.BadRequest400,
        "404" => UnmatchedPolicy.NotFound404,
        "500" => UnmatchedPolicy.ServerError500,
        _ => throw new FormatException($"server_replay_extra '{text}': expected forward, kill, 204, 400, 404 or 500"),
    };
}
