using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitmFixture.Cassettes;

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), plus Chrome's _webSocketMessages
// and an _error field for flows that ended without a response.
//
// Read side: every optional field is nullable, because the tools that write HAR disagree on its
// optional parts. Firefox writes "headersSize": null for cached entries and an object in
// cache.afterRequest; Charles, Fiddler and Insomnia write -1 for what they did not measure (and
// Fiddler omits "ssl" in timings and writes "version": "1.1"); Playwright writes status -1 with
// "_failureText" for a failed request and may leave content.text out ("_file" instead); Chrome
// writes status 0 with response "_error". Unknown "_" fields are ignored.

internal sealed record HarFile
{
    [JsonPropertyName("log")]
    public required HarLog Log { get; init; }
}

internal sealed record HarLog
{
    /// <summary>"1.2" as browsers write it, or "1.1" (Fiddler); HAR 1.2 reads an empty one as "1.1". Checked on import.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; } = "1.2";

    [JsonPropertyName("creator")]
    public HarCreator Creator { get; init; } = new();

    [JsonPropertyName("entries")]
    public List<HarEntry> Entries { get; init; } = [];
}

internal sealed record HarCreator
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "MitmFixture";

    [JsonPropertyName("version")]
    public string Version { get; init; } = "0.1.0";
}

internal sealed record HarEntry
{
    [JsonPropertyName("startedDateTime")]
    public DateTimeOffset StartedDateTime { get; init; }

    [JsonPropertyName("time")]
    public double? Time { get; init; }

    [JsonPropertyName("request")]
    public required HarRequest Request { get; init; }

    [JsonPropertyName("response")]
    public required HarResponse Response { get; init; }

    /// <summary>Ignored on import: Firefox writes objects (<c>afterRequest</c>), others <c>{}</c> or nulls.</summary>
    [JsonPropertyName("cache")]
    public Dictionary<string, JsonElement>? Cache { get; init; } = [];

    [JsonPropertyName("timings")]
    public HarTimings? Timings { get; init; } = new();

    [JsonPropertyName("serverIPAddress")]
    public string? ServerIpAddress { get; init; }

    /// <summary>An id of the client connection (HAR 1.2 suggests the client port; Chrome writes its socket id).</summary>
    [JsonPropertyName("connection")]
    public string? Connection { get; init; }

    [JsonPropertyName("_webSocketMessages")]
    public List<HarWebSocketMessage>? WebSocketMessages { get; init; }

    [JsonPropertyName("_error")]
    public string? Error { get; init; }
}

internal sealed record HarRequest
{
    [JsonPropertyName("method")]
    public required string Method { get; init; }

    [JsonPropertyName("url")]
    public required string Url { get; init; }

    [JsonPropertyName("httpVersion")]
    public string? HttpVersion { get; init; } = "HTTP/1.1";

    /// <summary>Not read on import (the Cookie header carries them); tools add expires, httpOnly, sameSite.</summary>
    [JsonPropertyName("cookies")]
    public List<HarNameValue>? Cookies { get; init; } = [];

    [JsonPropertyName("headers")]
    public List<HarNameValue> Headers { get; init; } = [];

    /// <summary>Not read on import (the URL carries the query).</summary>
    [JsonPropertyName("queryString")]
    public List<HarNameValue>? QueryString { get; init; } = [];

    [JsonPropertyName("postData")]
    public HarPostData? PostData { get; init; }

    [JsonPropertyName("headersSize")]
    public long? HeadersSize { get; init; } = -1;

    [JsonPropertyName("bodySize")]
    public long? BodySize { get; init; }
}

internal sealed record HarResponse
{
    [JsonPropertyName("status")]
    public int Status { get; init; }

    [JsonPropertyName("statusText")]
    public string? StatusText { get; init; } = "";

    [JsonPropertyName("httpVersion")]
    public string? HttpVersion { get; init; } = "HTTP/1.1";

    [JsonPropertyName("cookies")]
    public List<HarNameValue>? Cookies { get; init; } = [];

    [JsonPropertyName("headers")]
    public List<HarNameValue> Headers { get; init; } = [];

    /// <summary>Absent in some tools' entries for failed requests: read as no body.</summary>
    [JsonPropertyName("content")]
    public HarContent? Content { get; init; } = new();

    [JsonPropertyName("redirectURL")]
    public string? RedirectUrl { get; init; } = "";

    [JsonPropertyName("headersSize")]
    public long? HeadersSize { get; init; } = -1;

    [JsonPropertyName("bodySize")]
    public long? BodySize { get; init; } = -1;

    /// <summary>Chrome's (and Edge's) reason a request failed, beside status 0.</summary>
    [JsonPropertyName("_error")]
    public string? Error { get; init; }

    /// <summary>Playwright's reason a request failed, beside status -1.</summary>
    [JsonPropertyName("_failureText")]
    public string? FailureText { get; init; }
}

/// <summary>A header, cookie or query parameter. Both parts are nullable on read; headers are checked for them.</summary>
internal sealed record HarNameValue
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("value")]
    public string? Value { get; init; }
}

/// <summary>A form parameter of <c>postData.params</c>; a file part has a fileName and no value.</summary>
internal sealed record HarParam
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("value")]
    public string? Value { get; init; }

    [JsonPropertyName("fileName")]
    public string? FileName { get; init; }

    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }
}

internal sealed record HarPostData
{
    [JsonPropertyName("mimeType")]
    public string? MimeType { get; init; } = "";

    [JsonPropertyName("text")]
    [JsonConverter(typeof(LargeStringConverter))] // a body of 125 MB or more is base64 text past one JSON value's limit
    public string? Text { get; init; }

    /// <summary>Written by Firefox and Insomnia beside (or instead of) text for forms.</summary>
    [JsonPropertyName("params")]
    public List<HarParam>? Params { get; init; }

    [JsonPropertyName("encoding")]
    public string? Encoding { get; init; }

    /// <summary>Ours, as on <see cref="HarContent"/>: the text is the body still content-encoded, to be replayed as is.</summary>
    [JsonPropertyName("_encoded")]
    public bool? Encoded { get; init; }

    /// <summary>Ours: why the body is kept encoded.</summary>
    [JsonPropertyName("comment")]
    public string? Comment { get; init; }
}

internal sealed record HarContent
{
    [JsonPropertyName("size")]
    public long? Size { get; init; }

    [JsonPropertyName("mimeType")]
    public string? MimeType { get; init; } = "";

    [JsonPropertyName("text")]
    [JsonConverter(typeof(LargeStringConverter))] // a body of 125 MB or more is base64 text past one JSON value's limit
    public string? Text { get; init; }

    [JsonPropertyName("encoding")]
    public string? Encoding { get; init; }

    /// <summary>Ours: the text is the body still content-encoded (it could not be decoded within the limit), to be replayed as is.</summary>
    [JsonPropertyName("_encoded")]
    public bool? Encoded { get; init; }

    /// <summary>Ours: why the body is kept encoded.</summary>
    [JsonPropertyName("comment")]
    public string? Comment { get; init; }
}

/// <summary>Milliseconds; -1 (or null, or absent) means "does not apply" (HAR 1.2).</summary>
internal sealed record HarTimings
{
    [JsonPropertyName("blocked")]
    public double? Blocked { get; init; } = -1;

    [JsonPropertyName("dns")]
    public double? Dns { get; init; } = -1;

    [JsonPropertyName("connect")]
    public double? Connect { get; init; } = -1;

    [JsonPropertyName("ssl")]
    public double? Ssl { get; init; } = -1;

    [JsonPropertyName("send")]
    public double? Send { get; init; }

    [JsonPropertyName("wait")]
    public double? Wait { get; init; }

    [JsonPropertyName("receive")]
    public double? Receive { get; init; }
}

internal sealed record HarWebSocketMessage
{
    /// <summary><c>send</c> (client to server) or <c>receive</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary>Seconds since the Unix epoch, as Chrome writes it.</summary>
    [JsonPropertyName("time")]
    public double? Time { get; init; }

    /// <summary>1 text, 2 binary (base64 data).</summary>
    [JsonPropertyName("opcode")]
    public int? Opcode { get; init; }

    [JsonPropertyName("data")]
    [JsonConverter(typeof(LargeStringConverter))]
    public string? Data { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, NewLine = "\n", DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowTrailingCommas = true, AllowDuplicateProperties = false)] // numbers are JSON numbers, as HAR 1.2 types them and every tool writes them: "NaN" is no time
[JsonSerializable(typeof(HarFile))]
internal sealed partial class HarJsonContext : JsonSerializerContext;
