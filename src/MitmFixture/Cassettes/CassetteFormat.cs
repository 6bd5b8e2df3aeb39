using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MitmFixture.Cassettes;

// The on-disk shape of a cassette. Property order here is the order in the file, so a reviewer
// reads each flow top to bottom: request, then response or error, then WebSocket messages.

/// <summary>A cassette file: a format version and the flows in recording order.</summary>
internal sealed record CassetteFile
{
    [JsonPropertyOrder(0)]
    public required int Version { get; init; }

    [JsonPropertyOrder(1)]
    public required List<FlowRecord> Flows { get; init; }
}

internal sealed record FlowRecord
{
    public required string Id { get; init; }

    /// <summary>The proxy mode it was recorded in (<c>regular</c>, <c>reverse:https://host</c>, ...).</summary>
    public string? Mode { get; init; }

    public required RequestRecord Request { get; init; }

    public ResponseRecord? Response { get; init; }

    public ErrorRecord? Error { get; init; }

    public WebSocketRecord? WebSocket { get; init; }

    public string? Replay { get; init; }

    public string? Marked { get; init; }

    public string? Comment { get; init; }

    /// <summary>Format version 2: where the flow came from and went, as mitmproxy's client_conn and server_conn keep it.</summary>
    public ConnectionRecord? Connection { get; init; }

    /// <summary>
    /// Format version 3: what the proxy and addons noted about the flow (mitmproxy keeps flow.metadata
    /// in its dumps), keys in ordinal order, values strings, numbers or true/false; absent when none.
    /// </summary>
    public Dictionary<string, JsonNode?>? Metadata { get; init; }
}

/// <summary>The connection details of a flow that mean something offline (issue 22).</summary>
internal sealed record ConnectionRecord
{
    public ClientRecord? Client { get; init; }

    public ServerRecord? Server { get; init; }
}

internal sealed record ClientRecord
{
    /// <summary>ip:port (IPv6 in brackets).</summary>
    public string? Address { get; init; }

    public string? Sni { get; init; }

    public string? Alpn { get; init; }

    public string? TlsVersion { get; init; }

    public string? Cipher { get; init; }

    public DateTimeOffset? TimestampStart { get; init; }

    public DateTimeOffset? TimestampTlsSetup { get; init; }
}

internal sealed record ServerRecord
{
    /// <summary>host:port as dialled.</summary>
    public string? Address { get; init; }

    /// <summary>ip:port it resolved to.</summary>
    public string? PeerAddress { get; init; }

    public string? Sni { get; init; }

    public string? Alpn { get; init; }

    public string? TlsVersion { get; init; }

    public string? Cipher { get; init; }

    public CertificateRecord? Certificate { get; init; }

    public DateTimeOffset? TimestampStart { get; init; }

    public DateTimeOffset? TimestampTcpSetup { get; init; }

    public DateTimeOffset? TimestampTlsSetup { get; init; }
}

internal sealed record CertificateRecord
{
    public required string Subject { get; init; }

    public required string Issuer { get; init; }

    public List<string> Sans { get; init; } = [];

    public required DateTimeOffset NotBefore { get; init; }

    public required DateTimeOffset NotAfter { get; init; }

    public required string Sha256 { get; init; }
}

internal sealed record RequestRecord
{
    public required string Method { get; init; }

    public required string Scheme { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public required string Path { get; init; }

    public string HttpVersion { get; init; } = "HTTP/1.1";

    /// <summary>"Name: value" lines in the order received, duplicates and case kept.</summary>
    public List<string> Headers { get; init; } = [];

    public BodyRecord? Body { get; init; }

    public List<string>? Trailers { get; init; }

    public DateTimeOffset? TimestampStart { get; init; }

    public DateTimeOffset? TimestampEnd { get; init; }
}

internal sealed record ResponseRecord
{
    public required int StatusCode { get; init; }

    public string Reason { get; init; } = "";

    public string HttpVersion { get; init; } = "HTTP/1.1";

    public List<string> Headers { get; init; } = [];

    public BodyRecord? Body { get; init; }

    public List<string>? Trailers { get; init; }

    public DateTimeOffset? TimestampStart { get; init; }

    public DateTimeOffset? TimestampEnd { get; init; }
}

internal sealed record ErrorRecord
{
    public required string Message { get; init; }

    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>
/// A body, exactly one of <see cref="Text"/>, <see cref="Json"/> or <see cref="Base64"/>; stored
/// decoded, with <see cref="Encoding"/> naming the Content-Encoding to apply again on replay.
/// </summary>
internal sealed record BodyRecord
{
    public string? Encoding { get; init; }

    /// <summary>UTF-8 text, as its bytes (see <see cref="Utf8TextConverter"/>).</summary>
    [JsonConverter(typeof(Utf8TextConverter))]
    public byte[]? Text { get; init; }

    public JsonElement? Json { get; init; }

    /// <summary>Bytes, written and read as base64 by the serializer itself: no base64 string in memory (issue 19, recording large bodies).</summary>
    [JsonConverter(typeof(LargeBase64Converter))]
    public byte[]? Base64 { get; init; }

    /// <summary>
    /// Set when <see cref="Base64"/> holds the body still encoded as <see cref="Encoding"/> says
    /// (it could not be decoded, or would expand past the decoding limit); replayed as is.
    /// </summary>
    public bool? Encoded { get; init; }

    /// <summary>Why the body is stored the way it is, when that is not the usual decoded form.</summary>
    public string? Note { get; init; }

    /// <summary>Set when the body was streamed and not kept.</summary>
    public bool? Streamed { get; init; }
}

internal sealed record WebSocketRecord
{
    public List<WebSocketMessageRecord> Messages { get; init; } = [];

    public int? CloseCode { get; init; }

    public string? CloseReason { get; init; }

    public bool ClosedByClient { get; init; }

    public DateTimeOffset? TimestampEnd { get; init; }
}

internal sealed record WebSocketMessageRecord
{
    /// <summary><c>client</c> or <c>server</c>.</summary>
    public required string From { get; init; }

    public string? Text { get; init; }

    /// <summary>Bytes, as base64 in the file (see <see cref="BodyRecord.Base64"/>).</summary>
    [JsonConverter(typeof(LargeBase64Converter))]
    public byte[]? Base64 { get; init; }

    public DateTimeOffset? Timestamp { get; init; }
}

[JsonSourceGenerationOptions(
    WriteIndented = true,
    NewLine = "\n",
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    AllowDuplicateProperties = false, // {"method": "GET", "method": "POST"}: which one a reviewer sees is not which one runs
    RespectNullableAnnotations = true)] // "request": null is refused where it is read, not met later as a crash
[JsonSerializable(typeof(CassetteFile))]
[JsonSerializable(typeof(FlowRecord))]
internal sealed partial class CassetteJsonContext : JsonSerializerContext;

/// <summary>
/// The context cassettes are written with: &lt;, &gt;, &amp;, quotes and non-ASCII letters stay as
/// themselves rather than \u escapes, so placeholders like &lt;AUTHORIZATION&gt; and non-English text
/// read naturally in a diff. Cassettes are data files, never embedded in HTML, so the HTML-safe
/// default buys nothing here. (A holder class: the generated context's own statics must exist first.)
/// </summary>
internal static class ReadableCassetteJson
{
    public static CassetteJsonContext Context { get; } = new(new JsonSerializerOptions(CassetteJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
