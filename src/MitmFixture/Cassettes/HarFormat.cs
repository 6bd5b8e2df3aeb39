using System.Text.Json.Serialization;

namespace MitmFixture.Cassettes;

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), plus Chrome's _webSocketMessages
// and an _error field for flows that ended without a response.

internal sealed record HarFile
{
    [JsonPropertyName("log")]
    public required HarLog Log { get; init; }
}

internal sealed record HarLog
{
    [JsonPropertyName("version")]
    public string Version { get; init; } = "1.2";

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
    public double Time { get; init; }

    [JsonPropertyName("request")]
    public required HarRequest Request { get; init; }

    [JsonPropertyName("response")]
    public required HarResponse Response { get; init; }

    [JsonPropertyName("cache")]
    public Dictionary<string, string> Cache { get; init; } = [];

    [JsonPropertyName("timings")]
    public HarTimings Timings { get; init; } = new();

    [JsonPropertyName("serverIPAddress")]
    public string? ServerIpAddress { get; init; }

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
    public string HttpVersion { get; init; } = "HTTP/1.1";

    [JsonPropertyName("cookies")]
    public List<HarNameValue> Cookies { get; init; } = [];

    [JsonPropertyName("headers")]
    public List<HarNameValue> Headers { get; init; } = [];

    [JsonPropertyName("queryString")]
    public List<HarNameValue> QueryString { get; init; } = [];

    [JsonPropertyName("postData")]
    public HarPostData? PostData { get; init; }

    [JsonPropertyName("headersSize")]
    public long HeadersSize { get; init; } = -1;

    [JsonPropertyName("bodySize")]
    public long BodySize { get; init; }
}

internal sealed record HarResponse
{
    [JsonPropertyName("status")]
    public int Status { get; init; }

    [JsonPropertyName("statusText")]
    public string StatusText { get; init; } = "";

    [JsonPropertyName("httpVersion")]
    public string HttpVersion { get; init; } = "HTTP/1.1";

    [JsonPropertyName("cookies")]
    public List<HarNameValue> Cookies { get; init; } = [];

    [JsonPropertyName("headers")]
    public List<HarNameValue> Headers { get; init; } = [];

    [JsonPropertyName("content")]
    public HarContent Content { get; init; } = new();

    [JsonPropertyName("redirectURL")]
    public string RedirectUrl { get; init; } = "";

    [JsonPropertyName("headersSize")]
    public long HeadersSize { get; init; } = -1;

    [JsonPropertyName("bodySize")]
    public long BodySize { get; init; } = -1;
}

internal sealed record HarNameValue
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("value")]
    public required string Value { get; init; }
}

internal sealed record HarPostData
{
    [JsonPropertyName("mimeType")]
    public string MimeType { get; init; } = "";

    [JsonPropertyName("text")]
    public string? Text { get; init; }

    [JsonPropertyName("encoding")]
    public string? Encoding { get; init; }
}

internal sealed record HarContent
{
    [JsonPropertyName("size")]
    public long Size { get; init; }

    [JsonPropertyName("mimeType")]
    public string MimeType { get; init; } = "";

    [JsonPropertyName("text")]
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

internal sealed record HarTimings
{
    [JsonPropertyName("send")]
    public double Send { get; init; }

    [JsonPropertyName("wait")]
    public double Wait { get; init; }

    [JsonPropertyName("receive")]
    public double Receive { get; init; }
}

internal sealed record HarWebSocketMessage
{
    /// <summary><c>send</c> (client to server) or <c>receive</c>.</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    /// <summary>Seconds since the Unix epoch, as Chrome writes it.</summary>
    [JsonPropertyName("time")]
    public double Time { get; init; }

    /// <summary>1 text, 2 binary (base64 data).</summary>
    [JsonPropertyName("opcode")]
    public int Opcode { get; init; }

    [JsonPropertyName("data")]
    public required string Data { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, NewLine = "\n", DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowTrailingCommas = true, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(HarFile))]
internal sealed partial class HarJsonContext : JsonSerializerContext;
