using System.Text;
using System.Text.Json;
using MitmFixture.Content;
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
    /// <summary>Writes <paramref name="flows"/> to <paramref name="path"/> as a HAR 1.2 file, scrubbed by <paramref name="redactor"/> when given.</summary>
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
    public static IReadOnlyList<Flow> Import(string path) => Import(path, static _ => { });

    /// <summary>
    /// Reads a HAR file as <see cref="Import(string)"/> does and reports, through <paramref name="note"/>,
    /// what was read other than as written: entries without a response (status 0 or -1, kept as flows
    /// with an error) and entries whose body the HAR left out.
    /// </summary>
    public static IReadOnlyList<Flow> Import(string path, Action<string> note)
    {
        ArgumentNullException.ThrowIfNull(note);
        HarFile? file;
        byte[] bytes;
        try
        {
            bytes = InputFile.ReadJson(path);
            file = JsonSerializer.Deserialize(bytes, HarJsonContext.Default.HarFile);
        }
        catch (JsonException e)
        {
            throw new CassetteFormatException($"{path}:{(e.LineNumber ?? 0) + 1}{(e.Path is { } p ? " at " + p : "")}", "expected a HAR 1.2 file: " + CassetteSerializer.Plain(e), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CassetteFormatException(path, $"cannot read the HAR file: {e.Message}", e);
        }

        if (file?.Log is null)
        {
            throw new CassetteFormatException(path, "expected a HAR object with a \"log\"");
        }

        if (file.Log.Entries is null)
        {
            throw new CassetteFormatException(path + " at $.log.entries", "expected an array of entries, got null");
        }

        try
        {
            HarValidator.Log(file.Log);
            var flows = file.Log.Entries.Select((e, i) => ToFlow(e, $"$.log.entries[{i}]")).ToList();
            var unanswered = flows.Count(f => f.Response is null);
            if (unanswered > 0)
            {
                note($"{path}: {unanswered} of {flows.Count} entries have no response (status 0 or -1): kept as flows with an error; replay skips them, as it skips any flow without a response");
            }

            var bodiless = file.Log.Entries.Count(e => e.Response.Status > 0 && e.Response.Content?.Text is null && e.Response.Content?.Size > 0);
            if (bodiless > 0)
            {
                note($"{path}: {bodiless} entries have a response body the HAR left out (no content.text): replayed with an empty body");
            }

            return flows;
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
        return new HarEntry
        {
            StartedDateTime = start,
            Time = ((response?.TimestampEnd ?? request.TimestampEnd ?? start) - start).TotalMilliseconds,
            Request = new HarRequest
            {
                Method = request.Method,
                Url = request.Url,
                HttpVersion = HarVersion(request.HttpVersion),
                Headers = request.Headers.Select(h => new HarNameValue { Name = h.Name, Value = h.Value }).ToList(),
                QueryString = request.Query.Select(q => new HarNameValue { Name = q.Key, Value = q.Value }).ToList(),
                PostData = PostData(request),
                BodySize = request.Body?.Length ?? 0,
            },
            Response = response is null
                ? new HarResponse { Status = 0, StatusText = "" }
                : new HarResponse
                {
                    Status = response.StatusCode,
                    StatusText = response.Reason,
                    HttpVersion = HarVersion(response.HttpVersion),
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
                // From the flow's server connection (which, with upstream_cert, may be dialled during the
                // client's handshake, before the request); -1 ("does not apply") without one (HAR 1.2).
                Connect = flow.Server.TimestampStart is { } dial && flow.Server.TimestampTcpSetup is { } tcp ? (tcp - dial).TotalMilliseconds : -1,
                Ssl = flow.Server.TimestampTcpSetup is { } tcp2 && flow.Server.TimestampTlsSetup is { } tls ? (tls - tcp2).TotalMilliseconds : -1,
                Send = 0,
                Wait = response?.TimestampStart is { } rs ? (rs - (request.TimestampEnd ?? start)).TotalMilliseconds : 0,
                Receive = response?.TimestampEnd is { } re && response.TimestampStart is { } rs2 ? (re - rs2).TotalMilliseconds : 0,
            },
            ServerIpAddress = flow.Server.PeerAddress?.Address.ToString(),
            Connection = flow.Client.PeerAddress?.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
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

    /// <summary>
    /// The URL's path and query as the HAR spells them. <see cref="Uri.PathAndQuery"/> unescapes
    /// <c>%7E</c> and <c>%41</c>, which made <c>/a/%7Euser</c> another request than the one recorded
    /// (servers and matching compare the bytes); Uri's escaped form is taken only when the spelling holds
    /// what a request line does not carry as it is (a letter past ASCII).
    /// </summary>
    private static string PathAndQuery(string text, Uri url)
    {
        var start = text.IndexOfAny(['/', '?', '#'], text.IndexOf("://", StringComparison.Ordinal) + 3);
        var spelt = start < 0 ? "" : text[start..];
        if (spelt.IndexOf('#') is >= 0 and var fragment)
        {
            spelt = spelt[..fragment];
        }

        spelt = spelt.StartsWith('/') ? spelt : "/" + spelt;
        return Ascii.IsValid(spelt) && CassetteValidator.Path(spelt) is null ? spelt : url.PathAndQuery; // a browser sends UTF-8, percent-encoded
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
            Path = PathAndQuery(entry.Request.Url, url),
            HttpVersion = NormalizeVersion(entry.Request.HttpVersion),
            TargetForm = RequestTargetForm.Absolute,
            TimestampStart = entry.StartedDateTime,
            TimestampEnd = entry.StartedDateTime,
        };
        foreach (var header in entry.Request.Headers.Where(h => !h.Name!.StartsWith(':'))) // names checked by HarValidator
        {
            request.Headers.Add(header.Name!, header.Value!); // HTTP/2 and HTTP/3 pseudo-headers (":path") dropped
        }

        // HAR holds decoded content: encode it again as the headers say it was sent (mitmproxy's HAR
        // loader does the same through Request.make), so the flow does not claim a coding its body lacks.
        var requestBody = RequestBody(entry.Request.PostData);
        if (entry.Request.PostData?.Encoded == true || requestBody.Length == 0)
        {
            request.Body = requestBody;
        }
        else
        {
            request.SetDecodedBody(requestBody);
        }
        var flow = new Flow(request)
        {
            // serverIPAddress: Chrome writes IPv6 in brackets, Firefox without, some tools "".
            Server = new ServerConnectionInfo
            {
                Address = HostPort.Format(request.Host, request.Port),
                PeerAddress = System.Net.IPAddress.TryParse(entry.ServerIpAddress?.Trim('[', ']'), out var ip) ? new System.Net.IPEndPoint(ip, request.Port) : null,
            },
        };
        var time = entry.Time is > 0 and var t ? t : 0;
        if (entry.Response.Status > 0)
        {
            var response = new HttpResponse
            {
                StatusCode = entry.Response.Status,
                Reason = entry.Response.StatusText ?? ReasonPhrases.For(entry.Response.Status), // empty as HTTP/2 has it; the writer fills one in for HTTP/1.1 clients
                HttpVersion = NormalizeVersion(entry.Response.HttpVersion),
                TimestampStart = entry.StartedDateTime.AddMilliseconds(time - (entry.Timings?.Receive is > 0 and var r ? Math.Min(r, time) : 0)),
                TimestampEnd = entry.StartedDateTime.AddMilliseconds(time),
            };
            foreach (var header in entry.Response.Headers.Where(h => !h.Name!.StartsWith(':'))) // names checked by HarValidator
            {
                response.Headers.Add(header.Name!, header.Value!);
            }

            // HAR holds decoded content; compress it again as the headers say it was sent (unless it was kept encoded).
            var content = entry.Response.Content?.Text is { } text2 ? Bytes(text2, entry.Response.Content.Encoding) : [];
            if (entry.Response.Content?.Encoded == true)
            {
                response.Body = content;
            }
            else
            {
                response.SetDecodedBody(content);
            }
            flow.Response = response;
        }
        else
        {
            // Chrome writes its reason in response._error, Playwright in _failureText, MitmFixture in _error.
            var reason = entry.Error ?? entry.Response.Error ?? entry.Response.FailureText;
            flow.Error = new FlowError(reason is { Length: > 0 } ? reason : "No response in the HAR (status " + entry.Response.Status + ").", entry.StartedDateTime.AddMilliseconds(time));
        }

        if (entry.Error is { } error && flow.Error is null)
        {
            flow.Error = new FlowError(error, entry.StartedDateTime);
        }

        // Chrome's _webSocketMessages: opcode 1 text, 2 binary; control frames (8, 9, 10) are not messages.
        if (entry.WebSocketMessages?.Where(m => m.Opcode is 1 or 2).ToList() is { Count: > 0 } messages)
        {
            var data = new WebSocketData();
            foreach (var m in messages)
            {
                var binary = m.Opcode == 2;
                var content = binary ? Convert.FromBase64String(m.Data!) : Encoding.UTF8.GetBytes(m.Data!); // data and base64 checked by HarValidator
                var at = m.Time is { } seconds && double.IsFinite(seconds) && Math.Abs(seconds) < 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : entry.StartedDateTime;
                data.Add(new WebSocketMessage(binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, m.Type == "send", content, at));
            }

            flow.WebSocket = data;
        }

        return flow;
    }

    /// <summary>
    /// postData.text when present; otherwise Firefox's and Insomnia's params, form-encoded (a file part
    /// has no value in HAR, so a multipart body cannot be rebuilt and stays empty).
    /// </summary>
    private static byte[] RequestBody(HarPostData? post)
    {
        if (post is null)
        {
            return [];
        }

        if (post.Text is { } text)
        {
            return Bytes(text, post.Encoding);
        }

        if (post.Params is { Count: > 0 } fields && MediaType.IsForm(post.MimeType))
        {
            return Encoding.UTF8.GetBytes(string.Join('&', fields.Where(f => f?.Name is not null).Select(f => Uri.EscapeDataString(f.Name!) + "=" + Uri.EscapeDataString(f.Value ?? ""))));
        }

        return [];
    }

    /// <summary>The request body as HAR's postData: decoded, or (past the decoding limit, corrupt) as it came, marked so.</summary>
    private static HarPostData? PostData(HttpRequest request)
    {
        if (request.DecodeProblem is { } problem && request.Body is { Length: > 0 } raw)
        {
            return new HarPostData { MimeType = request.ContentType ?? "", Text = Convert.ToBase64String(raw), Encoding = "base64", Encoded = true, Comment = problem };
        }

        var body = request.DecodedBody ?? [];
        return body.Length == 0 ? null : new HarPostData { MimeType = request.ContentType ?? "", Text = Content(body, request.ContentType ?? "", out var encoding), Encoding = encoding };
    }

    /// <summary>Browsers write "http/2.0" or "h3"; the proxy speaks HTTP/1.1 to clients, so that is what a replay answers with.</summary>
    /// <summary>HTTP/2 is written as browsers write it ("h2", Chrome's and Edge's form); HTTP/1.x as it is.</summary>
    private static string HarVersion(string version) => version == "HTTP/2.0" ? "h2" : version;

    /// <summary>HTTP/1.0 and HTTP/2 keep their version (every spelling of h2 that tools write); the rest are answered as HTTP/1.1.</summary>
    private static string NormalizeVersion(string? version) => version?.ToUpperInvariant() switch
    {
        "HTTP/1.0" => "HTTP/1.0",
        "H2" or "HTTP/2" or "HTTP/2.0" => "HTTP/2.0",
        _ => "HTTP/1.1",
    };

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
