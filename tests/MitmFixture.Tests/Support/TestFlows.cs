using System.IO.Compression;
using System.Net;
using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Tests.Support;

/// <summary>
/// Flows in one line, for any test that needs one: mitmproxy's <c>test/tflow.py</c> fixtures
/// (<see cref="TFlow"/>, <see cref="TWebSocketFlow"/>) and realistic builders
/// (<c>TestFlows.Get("https://example.com/").Respond(404, "&lt;html&gt;…")</c>).
/// Timestamps are fixed so snapshots and cassettes built from these flows are stable.
/// </summary>
public static class TestFlows
{
    /// <summary>The instant every test flow starts at.</summary>
    public static readonly DateTimeOffset Start = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>
    /// mitmproxy's <c>tflow()</c>: <c>GET http://address:22/path</c> with <c>header: qvalue</c> and body
    /// <c>content</c>, from client 127.0.0.1:22 to server address:22; with <paramref name="response"/>
    /// a <c>200 OK</c> with <c>header-response: svalue</c> and body <c>message</c>; with
    /// <paramref name="error"/> the error <c>error</c>.
    /// </summary>
    public static Flow TFlow(bool response = false, bool error = false)
    {
        var request = HttpRequest.Create("GET", "http://address:22/path", "content"u8.ToArray(), ("header", "qvalue"), ("content-length", "7"));
        var flow = NewFlow(request);
        if (response)
        {
            flow.Respond(200, "message"u8.ToArray(), ("header-response", "svalue"), ("content-length", "7"));
        }

        return error ? flow.Fail("error") : flow;
    }

    /// <summary>
    /// mitmproxy's <c>twebsocketflow()</c>: the handshake <c>GET http://example.com/ws</c> answered 101,
    /// then the client sends "hello binary" (binary) and "hello text", the server "it's me".
    /// </summary>
    public static Flow TWebSocketFlow()
    {
        var flow = Get(
            "http://example.com/ws",
            ("Connection", "upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Key", "1234"));
        flow.Server.Address = "address:22";
        flow.Respond(101, [], ("Connection", "upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Accept", ""));
        return flow.WithWebSocket(
            (true, WebSocketMessageType.Binary, "hello binary"),
            (true, WebSocketMessageType.Text, "hello text"),
            (false, WebSocketMessageType.Text, "it's me"));
    }

    /// <summary>A GET without response, e.g. <c>TestFlows.Get("https://example.com/search?q=1")</c>.</summary>
    public static Flow Get(string url, params (string Name, string Value)[] headers) =>
        NewFlow(HttpRequest.Create("GET", url, null, headers));

    /// <summary>A request with a body; Content-Type is added when given and not among <paramref name="headers"/>.</summary>
    public static Flow Send(string method, string url, string body, string? contentType = null, params (string Name, string Value)[] headers)
    {
        var request = HttpRequest.Create(method, url, Encoding.UTF8.GetBytes(body), headers);
        if (contentType is not null && !request.Headers.Contains("Content-Type"))
        {
            request.Headers.Add("Content-Type", contentType);
        }

        return NewFlow(request);
    }

    /// <summary>A JSON POST.</summary>
    public static Flow PostJson(string url, string json) => Send("POST", url, json, "application/json");

    /// <summary>An HTML form POST; fields are percent-encoded.</summary>
    public static Flow PostForm(string url, params (string Name, string Value)[] fields) =>
        Send(
            "POST",
            url,
            string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value))),
            "application/x-www-form-urlencoded");

    /// <summary>Answers the flow with a text body.</summary>
    public static Flow Respond(this Flow flow, int status, string body, string contentType = "text/plain; charset=utf-8") =>
        flow.Respond(status, Encoding.UTF8.GetBytes(body), ("Content-Type", contentType));

    /// <summary>Answers the flow with raw bytes and exactly the given headers.</summary>
    public static Flow Respond(this Flow flow, int status, byte[] body, params (string Name, string Value)[] headers)
    {
        var response = HttpResponse.Create(status, body, headers);
        response.TimestampStart = Start.AddMilliseconds(20);
        response.TimestampEnd = Start.AddMilliseconds(30);
        flow.Response = response;
        return flow;
    }

    /// <summary>Records an error in place of the response, as a refused or reset connection does.</summary>
    public static Flow Fail(this Flow flow, string message = "error")
    {
        flow.Error = new FlowError(message, Start.AddMilliseconds(40));
        return flow;
    }

    /// <summary>Gzips the request and response bodies and sets Content-Encoding, as a compressing server would.</summary>
    public static Flow Gzipped(this Flow flow)
    {
        Gzip(flow.Request);
        if (flow.Response is { } response)
        {
            Gzip(response);
        }

        return flow;
    }

    /// <summary>Adds WebSocket messages (from client or server) and marks the flow upgraded.</summary>
    public static Flow WithWebSocket(this Flow flow, params (bool FromClient, WebSocketMessageType Type, string Content)[] messages)
    {
        flow.WebSocket ??= new WebSocketData();
        var i = 0;
        foreach (var (fromClient, type, content) in messages)
        {
            flow.WebSocket.Add(new WebSocketMessage(type, fromClient, Encoding.UTF8.GetBytes(content), Start.AddSeconds(1 + i++)));
        }

        return flow;
    }

    /// <summary>Sets the replay kind, marker, comment and metadata in one go; null leaves a value as it is.</summary>
    public static Flow With(this Flow flow, ReplayKind? replay = null, string? marked = null, string? comment = null, params (string Key, object? Value)[] metadata)
    {
        flow.Replay = replay ?? flow.Replay;
        flow.Marked = marked ?? flow.Marked;
        flow.Comment = comment ?? flow.Comment;
        foreach (var (key, value) in metadata)
        {
            flow.Metadata[key] = value;
        }

        return flow;
    }

    private static Flow NewFlow(HttpRequest request)
    {
        request.TimestampStart = Start;
        request.TimestampEnd = Start.AddMilliseconds(10);
        var client = new ClientConnectionInfo
        {
            PeerAddress = new IPEndPoint(IPAddress.Loopback, 22),
            LocalAddress = new IPEndPoint(IPAddress.Loopback, 8080),
            TimestampStart = Start,
        };
        var flow = new Flow(request, client);
        flow.Server.Address = HostPort.Format(request.Host, request.Port);
        return flow;
    }

    private static void Gzip(HttpMessage message)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(message.Body ?? []);
        }

        message.Body = output.ToArray();
        message.Headers.Set("Content-Encoding", "gzip");
        message.Headers.Set("Content-Length", message.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
