using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>Converts between live flows and their cassette records.</summary>
internal static class FlowMapper
{
    public static FlowRecord ToRecord(Flow flow, string? mode)
    {
        var request = flow.Request;
        return new FlowRecord
        {
            Id = flow.Id,
            Mode = mode,
            Request = new RequestRecord
            {
                Method = request.Method,
                Scheme = request.Scheme,
                Host = request.Host,
                Port = request.Port,
                Path = request.Path,
                HttpVersion = request.HttpVersion,
                Headers = Lines(request.Headers),
                Body = GrpcMapper.Body(flow, request),
                Trailers = request.Trailers is { } t ? Lines(t) : null,
                TimestampStart = request.TimestampStart,
                TimestampEnd = request.TimestampEnd,
            },
            Response = flow.Response is { } response ? new ResponseRecord
            {
                StatusCode = response.StatusCode,
                Reason = response.Reason,
                HttpVersion = response.HttpVersion,
                Headers = Lines(response.Headers),
                Body = GrpcMapper.Body(flow, response),
                Trailers = response.Trailers is { } rt ? Lines(rt) : null,
                TimestampStart = response.TimestampStart,
                TimestampEnd = response.TimestampEnd,
            } : null,
            Error = flow.Error is { } error ? new ErrorRecord { Message = error.Message, Timestamp = error.Timestamp } : null,
            WebSocket = flow.WebSocket is { } ws ? new WebSocketRecord
            {
                Messages = ws.Messages.Select(m => new WebSocketMessageRecord
                {
                    From = m.FromClient ? "client" : "server",
                    Text = m.IsText ? m.Text : null,
                    Base64 = m.IsText ? null : m.Content,
                    Timestamp = m.Timestamp,
                }).ToList(),
                CloseCode = ws.CloseCode,
                CloseReason = ws.CloseReason,
                ClosedByClient = ws.ClosedByClient,
                TimestampEnd = ws.TimestampEnd,
            } : null,
            Grpc = GrpcMapper.ToRecord(flow),
            Replay = flow.Replay == ReplayKind.None ? null : flow.Replay.ToString().ToLowerInvariant(),
            Marked = flow.Marked.Length == 0 ? null : flow.Marked,
            Comment = flow.Comment.Length == 0 ? null : flow.Comment,
            Connection = ConnectionMapper.ToRecord(flow),
            Metadata = flow.HasMetadata ? FlowMetadata.ToRecord(flow.Metadata) : null,
        };
    }

    public static Flow ToFlow(FlowRecord record, string location)
    {
        var r = record.Request;
        var request = new HttpRequest
        {
            Method = r.Method,
            Scheme = r.Scheme,
            Host = r.Host,
            Port = r.Port,
            Path = r.Path,
            HttpVersion = r.HttpVersion ?? "HTTP/1.1", // absent from the file (see CassetteValidator)
            Headers = Headers(r.Headers ?? [], location + ".request.headers"),
            TimestampStart = r.TimestampStart,
            TimestampEnd = r.TimestampEnd,
            TargetForm = RequestTargetForm.Absolute,
        };
        BodyCodec.CheckAgainstHead(r.Body, request.Headers, location + ".request.body");
        request.Body = BodyCodec.Decode(r.Body, location + ".request.body");
        request.Stream = request.Body is null;
        request.Trailers = r.Trailers is { } t ? Headers(t, location + ".request.trailers") : null;

        var flow = new Flow(request, ConnectionMapper.Client(record.Connection, request.TimestampStart, location))
        {
            Id = record.Id,
            Marked = record.Marked ?? "",
            Comment = record.Comment ?? "",
            Server = ConnectionMapper.Server(record.Connection, request, location),
        };
        if (record.Metadata is { Count: > 0 })
        {
            FlowMetadata.Fill(flow.Metadata, record.Metadata, location + ".metadata");
        }
        if (record.Response is { } s)
        {
            var response = new HttpResponse
            {
                StatusCode = s.StatusCode,
                Reason = s.Reason ?? "",
                HttpVersion = s.HttpVersion ?? "HTTP/1.1",
                Headers = Headers(s.Headers ?? [], location + ".response.headers"),
                TimestampStart = s.TimestampStart,
                TimestampEnd = s.TimestampEnd,
            };
            BodyCodec.CheckAgainstHead(s.Body, response.Headers, location + ".response.body");
            response.Body = BodyCodec.Decode(s.Body, location + ".response.body");
            response.Stream = response.Body is null;
            response.Trailers = s.Trailers is { } st ? Headers(st, location + ".response.trailers") : null;
            flow.Response = response;
        }

        if (record.Error is { } e)
        {
            flow.Error = new FlowError(e.Message, e.Timestamp ?? DateTimeOffset.UnixEpoch);
        }

        if (record.WebSocket is { } w)
        {
            var data = new WebSocketData { CloseCode = w.CloseCode, CloseReason = w.CloseReason, ClosedByClient = w.ClosedByClient, TimestampEnd = w.TimestampEnd };
            var messages = w.Messages ?? []; // absent from the file
            for (var i = 0; i < messages.Count; i++)
            {
                data.Add(ToMessage(messages[i], $"{location}.web_socket.messages[{i}]"));
            }

            flow.WebSocket = data;
        }

        GrpcMapper.Fill(flow, record, location);
        if (record.Replay is { } replay)
        {
            flow.Replay = replay switch
            {
                "request" => ReplayKind.Request,
                "response" => ReplayKind.Response,
                _ => throw new CassetteFormatException(location + ".replay", $"expected \"request\" or \"response\", got \"{replay}\""),
            };
        }

        return flow;
    }

    private static WebSocketMessage ToMessage(WebSocketMessageRecord m, string location)
    {
        var fromClient = m.From switch
        {
            "client" => true,
            "server" => false,
            _ => throw new CassetteFormatException(location + ".from", $"expected \"client\" or \"server\", got \"{m.From}\""),
        };
        if ((m.Text is null) == (m.Base64 is null))
        {
            throw new CassetteFormatException(location, "expected exactly one of \"text\" or \"base64\"");
        }

        var content = m.Text is { } text ? Encoding.UTF8.GetBytes(text) : m.Base64!; // one is set
        return new WebSocketMessage(m.Text is null ? WebSocketMessageType.Binary : WebSocketMessageType.Text, fromClient, content, m.Timestamp ?? DateTimeOffset.UnixEpoch);
    }

    private static List<string> Lines(HttpHeaders headers) => headers.Select(h => $"{h.Name}: {h.Value}").ToList();

    private static HttpHeaders Headers(List<string> lines, string location)
    {
        var headers = new HttpHeaders();
        for (var i = 0; i < lines.Count; i++)
        {
            var colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new CassetteFormatException($"{location}[{i}]", $"expected \"Name: value\", got \"{lines[i]}\"");
            }

            headers.Add(lines[i][..colon], lines[i][(colon + 1)..].TrimStart(' ', '\t'));
        }

        return headers;
    }
}
