using System.Text;
using System.Text.Json;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Cassettes;

/// <summary>
/// HAR 1.2 import and export, the format browsers' dev tools save. What HAR cannot hold and is lost
/// on a round trip: chunked trailers, markers and comments, the original compressed bytes (HAR keeps
/// decoded text; the encoding is re-applied from Content-Encoding on import).
/// </summary>
public static class Har
{
    public static void Export(string path, IEnumerable<Flow> flows, Redactor? redactor = null)
    {
        redactor ??= Redactor.Default;
        var file = new HarFile { Log = new HarLog { Entries = redactor.Redact(flows).Select(ToEntry).ToList() } };
        AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(file, HarJsonContext.Default.HarFile));
    }

    /// <summary>
    /// Reads a HAR file. Like a cassette it is untrusted input: fields that reach a message head are
    /// checked (tokens, control characters, ranges), and a problem names the file, line and JSON path.
    /// </summary>
    public static IReadOnlyList<Flow> Import(string path)
    {
        HarFile? file;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            file = JsonSerializer.Deserialize(bytes, HarJsonContext.Default.HarFile);
        }
        catch (JsonException e)
        {
            throw new CassetteFormatException($"{path}:{(e.LineNumber ?? 0) + 1}{(e.Path is { } p ? " at " + p : "")}", "expected a HAR 1.2 file: " + e.Message.Split(" Path:")[0], e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CassetteFormatException(path, $"cannot read the HAR file: {e.Message}", e);
        }

        if (file?.Log is null)
        {
            throw new CassetteFormatException(path, "expected a HAR object with a \"log\"");
        }

        try
        {
            return file.Log.Entries.Select((e, i) => ToFlow(e, $"$.log.entries[{i}]")).ToList();
        }
        catch (CassetteFormatException e)
        {
            throw CassetteFormatException.InFile(e, path, bytes);
        }
    }

    private static HarEntry ToEntry(Flow flow)
    {
        var request = flow.Request;
        var start = request.TimestampStart ?? DateTimeOffset.UnixEpoch;
        var response = flow.Response;
        var requestBody = request.DecodedBody ?? [];
        return new HarEntry
        {
            StartedDateTime = start,
            Time = ((response?.TimestampEnd ?? request.TimestampEnd ?? start) - start).TotalMilliseconds,
            Request = new HarRequest
            {
                Method = request.Method,
                Url = request.Url,
                HttpVersion = request.HttpVersion,
                Headers = request.Headers.Select(h => new HarNameValue { Name = h.Name, Value = h.Value }).ToList(),
                QueryString = request.Query.Select(q => new HarNameValue { Name = q.Key, Value = q.Value }).ToList(),
                PostData = requestBody.Length == 0 ? null : Content(requestBody, request.ContentType ?? "", out var pe) is var text ? new HarPostData { MimeType = request.ContentType ?? "", Text = text, Encoding = pe } : null,
                BodySize = request.Body?.Length ?? 0,
            },
            Response = response is null
                ? new HarResponse { Status = 0, StatusText = "" }
                : new HarResponse
                {
                    Status = response.StatusCode,
                    StatusText = response.Reason,
                    HttpVersion = response.HttpVersion,
                    Headers = response.Headers.Select(h => new HarNameValue { Name = h.Name, Value = h.Value }).ToList(),
                    Content = response.DecodeProblem is { } problem && response.Body is { } raw
                        ? new HarContent { Size = raw.Length, MimeType = response.ContentType ?? "", Text = Convert.ToBase64String(raw), Encoding = "base64", Encoded = true, Comment = problem }
                        : response.DecodedBody is { } body
                        ? new HarContent { Size = body.Length, MimeType = response.ContentType ?? "", Text = Content(body, response.ContentType ?? "", out var e), Encoding = e }
                        : new HarContent { MimeType = response.ContentType ?? "" },
                    RedirectUrl = response.Headers.Get("Location") ?? "",
                    BodySize = response.Body?.Length ?? -1,
                },
            Timings = new HarTimings
            {
                Send = 0,
                Wait = response?.TimestampStart is { } rs ? (rs - (request.TimestampEnd ?? start)).TotalMilliseconds : 0,
                Receive = response?.TimestampEnd is { } re && response.TimestampStart is { } rs2 ? (re - rs2).TotalMilliseconds : 0,
            },
            ServerIpAddress = flow.Server.PeerAddress?.Address.ToString(),
            WebSocketMessages = flow.WebSocket?.Messages.Select(m => new HarWebSocketMessage
            {
                Type = m.FromClient ? "send" : "receive",
                Time = m.Timestamp.ToUnixTimeMilliseconds() / 1000.0,
                Opcode = m.IsText ? 1 : 2,
                Data = m.IsText ? m.Text : Convert.ToBase64String(m.Content),
            }).ToList(),
            Error = flow.Error?.Message,
        };
    }

    private static Flow ToFlow(HarEntry entry, string location)
    {
        HarValidator.Validate(entry, location);
        if (!Uri.TryCreate(entry.Request.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https" or "ws" or "wss"))
        {
            throw new CassetteFormatException(location + ".request.url", $"expected an absolute http(s) URL, got '{entry.Request.Url}'");
        }

        if (CassetteValidator.Host(url.IdnHost) is { } badHost)
        {
            throw new CassetteFormatException(location + ".request.url", $"the URL's host {badHost}");
        }

        if (!url.IsDefaultPort && HttpSyntax.Port(url.Port) is { } badPort)
        {
            throw new CassetteFormatException(location + ".request.url", $"the URL's port {badPort}");
        }

        var scheme = url.Scheme is "ws" ? "http" : url.Scheme is "wss" ? "https" : url.Scheme;
        var request = new HttpRequest
        {
            Method = entry.Request.Method,
            Scheme = scheme,
            Host = url.IdnHost,
            Port = url.IsDefaultPort ? HttpRequest.DefaultPort(scheme) : url.Port,
            Path = url.PathAndQuery,
            HttpVersion = NormalizeVersion(entry.Request.HttpVersion),
            TargetForm = RequestTargetForm.Absolute,
            TimestampStart = entry.StartedDateTime,
            TimestampEnd = entry.StartedDateTime,
        };
        foreach (var header in entry.Request.Headers.Where(h => !h.Name.StartsWith(':')))
        {
            request.Headers.Add(header.Name, header.Value); // HTTP/2 pseudo-headers (":path") dropped
        }

        request.Body = entry.Request.PostData is { Text: { } text } post ? Bytes(text, post.Encoding) : [];
        var flow = new Flow(request);
        if (entry.Response.Status > 0)
        {
            var response = new HttpResponse
            {
                StatusCode = entry.Response.Status,
                Reason = entry.Response.StatusText.Length > 0 ? entry.Response.StatusText : ReasonPhrases.For(entry.Response.Status),
                HttpVersion = NormalizeVersion(entry.Response.HttpVersion),
                TimestampStart = entry.StartedDateTime.AddMilliseconds(entry.Time - (entry.Timings?.Receive ?? 0)), // "timings" may be absent (read as null)
                TimestampEnd = entry.StartedDateTime.AddMilliseconds(entry.Time),
            };
            foreach (var header in entry.Response.Headers.Where(h => !h.Name.StartsWith(':')))
            {
                response.Headers.Add(header.Name, header.Value);
            }

            // HAR holds decoded content; compress it again as the headers say it was sent (unless it was kept encoded).
            var content = entry.Response.Content.Text is { } text2 ? Bytes(text2, entry.Response.Content.Encoding) : [];
            if (entry.Response.Content.Encoded == true)
            {
                response.Body = content;
            }
            else
            {
                response.SetDecodedBody(content);
            }
            flow.Response = response;
        }

        if (entry.Error is { } error)
        {
            flow.Error = new FlowError(error, entry.StartedDateTime);
        }

        if (entry.WebSocketMessages is { Count: > 0 } messages)
        {
            var data = new WebSocketData();
            foreach (var m in messages)
            {
                var binary = m.Opcode == 2;
                data.Add(new WebSocketMessage(binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, m.Type == "send", binary ? Convert.FromBase64String(m.Data) : Encoding.UTF8.GetBytes(m.Data), DateTimeOffset.FromUnixTimeMilliseconds((long)(m.Time * 1000))));
            }

            flow.WebSocket = data;
        }

        return flow;
    }

    /// <summary>Browsers write "http/2.0" or "h3"; the proxy speaks HTTP/1.1 to clients, so that is what a replay answers with.</summary>
    private static string NormalizeVersion(string version) => version.ToUpperInvariant() is "HTTP/1.0" ? "HTTP/1.0" : "HTTP/1.1";

    private static string Content(byte[] body, string contentType, out string? encoding)
    {
        try
        {
            encoding = null;
            return new UTF8Encoding(false, true).GetString(body);
        }
        catch (DecoderFallbackException)
        {
            encoding = "base64";
            return Convert.ToBase64String(body);
        }
    }

    private static byte[] Bytes(string text, string? encoding) =>
        encoding == "base64" ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
}
