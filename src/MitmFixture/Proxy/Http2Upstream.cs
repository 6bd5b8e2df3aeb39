using System.Collections.Concurrent;
using System.Net;
using MitmFixture.Flows;
using MitmFixture.Http;
using HttpHeaders = MitmFixture.Http.HttpHeaders;
using HttpResponse = MitmFixture.Http.HttpResponse;

namespace MitmFixture.Proxy;

/// <summary>
/// The server side of an HTTP/2 client connection's flows: SocketsHttpHandler multiplexes them onto
/// one server connection that our own connector opens (TCP, upstream proxy tunnel, TLS with the
/// proxy's certificate checks) offering h2 and http/1.1. When the server picks h2 the streams stay
/// h2 end to end (trailers included); when it picks http/1.1 SocketsHttpHandler translates. Owned by
/// one client connection, like mitmproxy's server connections.
/// </summary>
internal sealed class Http2Upstream : IDisposable
{
    private static readonly HttpRequestOptionsKey<ServerKey> KeyOption = new("MitmFixture.ServerKey");

    /// <summary>Connection-specific fields, which HTTP/2 forbids (RFC 9113 §8.2.2) and HTTP/1.1 framing replaces.</summary>
    private static readonly HashSet<string> ConnectionSpecific = new(StringComparer.OrdinalIgnoreCase)
    {
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length",
    };

    private readonly ProxyContext _context;
    private readonly HttpMessageInvoker _invoker;
    private readonly ConcurrentDictionary<ServerKey, ServerConnectionInfo> _connections = new();

    /// <summary>Speak h2c (prior knowledge) to every http:// server: the client itself spoke h2c through a tunnel to it.</summary>
    private readonly bool _cleartextPriorKnowledge;

    /// <summary>The certificate sniff's connection, taken for the first connection to its server instead of dialling again.</summary>
    private AdoptedConnection? _adopted;

    /// <param name="cleartextPriorKnowledge">
    /// True for an h2c client that tunnelled (CONNECT, SOCKS5) to its server: it knows that server speaks
    /// h2c, and the protocol is kept the same on both sides as mitmproxy keeps it (it offers the server the
    /// client's own ALPN). Otherwise only the server of <c>reverse:h2c://</c> gets prior knowledge.
    /// </param>
    public Http2Upstream(ProxyContext context, bool cleartextPriorKnowledge = false)
    {
        _context = context;
        _cleartextPriorKnowledge = cleartextPriorKnowledge;
        var limits = context.Options.Limits;
#pragma warning disable CA2000 // the invoker owns the handler (disposeHandler: true) and is disposed with this object
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = limits.IdleTimeout,
            EnableMultipleHttp2Connections = true,
            MaxResponseHeadersLength = Math.Max(1, limits.MaxHeadBytes / 1024),
            ConnectCallback = ConnectAsync,
            // Field values are Latin-1 bytes, as on the HTTP/1.1 side (obs-text passes through); what is
            // past U+00FF is refused before a message is made (StartAsync), so Latin-1 never substitutes.
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
            ResponseHeaderEncodingSelector = static (_, _) => System.Text.Encoding.Latin1,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
#pragma warning restore CA2000
    }

    /// <summary>
    /// Sends the flow's request and returns once the server's response head is in; the body follows
    /// through the returned answer. The request body is the flow's (held whole), or
    /// <paramref name="streamingBody"/>, which SocketsHttpHandler sends while the response comes back
    /// (full duplex over h2). The response timeout counts from the end of the request body to the
    /// response head: a streaming request's server may rightly wait for the client.
    /// </summary>
    public async ValueTask<Http2Answer> StartAsync(Flow flow, ServerKey key, StreamingRequestContent? streamingBody, CancellationToken cancellationToken)
    {
        var request = flow.Request;
        try
        {
            Http1Writer.CheckFields(request.Headers, "header"); // CR, LF, NUL or past U+00FF (an addon's, an edit's): refused as on HTTP/1.1
        }
        catch (UnsafeHeadException e)
        {
            throw new UpstreamException(e.Message, 502, e);
        }

        var message = ToMessage(request, streamingBody);
        message.Options.Set(KeyOption, key);
        if ((_cleartextPriorKnowledge && key.Scheme == "http") || _context.Options.Mode.IsH2cTarget(key.Scheme, key.Host, key.Port))
        {
            message.VersionPolicy = HttpVersionPolicy.RequestVersionExact; // h2c: HTTP/2 with prior knowledge over http:// (RFC 9113 §3.3)
        }

        var limits = _context.Options.Limits;
        var headDeadline = new HeadDeadline(_context.Heartbeat, limits.ResponseTimeout, cancellationToken); // the proxy's clock, as every engine timeout
        if (streamingBody is null)
        {
            headDeadline.RequestSent();
        }
        else
        {
            _ = streamingBody.Completion.ContinueWith(static (_, d) => ((HeadDeadline)d!).RequestSent(), headDeadline, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        try
        {
            var answer = await _invoker.SendAsync(message, headDeadline.Token);
            headDeadline.HeadReceived();
            flow.Server = _connections.TryGetValue(key, out var info) ? info : flow.Server;
            var response = ToResponse(answer);
            response.TimestampStart = _context.Time.GetUtcNow();
            return new Http2Answer(message, answer, response, headDeadline);
        }
        catch (Exception e)
        {
            message.Dispose();
            headDeadline.Dispose();
            throw e switch
            {
                OperationCanceledException when !cancellationToken.IsCancellationRequested =>
                    new UpstreamException($"the server did not answer within {limits.ResponseTimeout.TotalSeconds:0.#} s", 504),

                // Our connector's own error (refused, TLS) is the clearer message.
                HttpRequestException h => h.InnerException as UpstreamException ?? new UpstreamException($"the server exchange failed: {h.Message}", 502, h),
                IOException io => new UpstreamException($"reading the response failed: {io.Message}", 502, io),
                _ => e,
            };
        }
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>
    /// Takes the h2 server connection the certificate sniff opened for the client's handshake, so the first
    /// request to that server goes over it and the server sees one connection, as without the proxy
    /// (mitmproxy keeps the one too), not a second handshake. Release it with
    /// <see cref="ReleaseAdoptedAsync"/> if it was never used.
    /// </summary>
    public void Adopt(UpstreamConnection connection, ServerConnectionInfo info) => _adopted = new AdoptedConnection(connection, info);

    /// <summary>Closes the sniff's connection if no request took it.</summary>
    public async ValueTask ReleaseAdoptedAsync()
    {
        if (Interlocked.Exchange(ref _adopted, null) is { } unused)
        {
            await unused.Connection.DisposeAsync();
        }
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext connect, CancellationToken cancellationToken)
    {
        var key = connect.InitialRequestMessage.Options.TryGetValue(KeyOption, out var k)
            ? k
            : new ServerKey(connect.InitialRequestMessage.RequestUri!.Scheme, connect.DnsEndPoint.Host, connect.DnsEndPoint.Port, null); // every request we send carries the key
        if (Interlocked.Exchange(ref _adopted, null) is { } adopted)
        {
            if (adopted.Connection.Key == key)
            {
                _connections[key] = adopted.Info;
                return await adopted.Connection.Connection.DetachAsync();
            }

            await adopted.Connection.DisposeAsync(); // the connection's first request went elsewhere
        }

        var info = new ServerConnectionInfo();
        var upstream = await _context.Connector.ConnectAsync(key, info, cancellationToken, offerHttp2: true);
        _connections[key] = info;

        // SocketsHttpHandler takes an SslStream as already secured and reads ALPN from it.
        return await upstream.Connection.DetachAsync();
    }

    private static HttpRequestMessage ToMessage(HttpRequest request, StreamingRequestContent? streamingBody)
    {
        var message = new HttpRequestMessage(ToMethod(request.Method), request.Url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var body = request.Body ?? [];
        HttpContent? content = streamingBody;
        if (content is null && (body.Length > 0 || request.Headers.Contains("Content-Length")))
        {
            content = new ByteArrayContent(body);
        }

        if (streamingBody is not null && !GrpcFraming.IsGrpc(request.ContentType) && request.Headers.Get("content-length") is { } declared &&
            long.TryParse(declared, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length))
        {
            streamingBody.Headers.ContentLength = length; // a streamed body of known size keeps its length (and HTTP/1.1 servers get no chunking)
        }

        foreach (var field in request.Headers)
        {
            if (field.Name.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.Host = field.Value; // sent as :authority over h2, Host over HTTP/1.1
                continue;
            }

            if (ConnectionSpecific.Contains(field.Name) || (field.Name.Equals("te", StringComparison.OrdinalIgnoreCase) && !field.Value.Equals("trailers", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(field.Name, field.Value))
            {
                content ??= new ByteArrayContent(body);
                content.Headers.TryAddWithoutValidation(field.Name, field.Value);
            }
        }

        message.Content = content;
        return message;
    }

    /// <summary>
    /// The shared instance of a common method, so a request allocates none; matched exactly, since
    /// methods are case-sensitive (RFC 9110 §9.1) and HttpMethod.Parse would turn "get" into GET.
    /// </summary>
    private static HttpMethod ToMethod(string method) => method switch
    {
        "GET" => HttpMethod.Get,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "DELETE" => HttpMethod.Delete,
        "HEAD" => HttpMethod.Head,
        "OPTIONS" => HttpMethod.Options,
        "PATCH" => HttpMethod.Patch,
        _ => new HttpMethod(method),
    };

    private static HttpResponse ToResponse(HttpResponseMessage answer)
    {
        var h2 = answer.Version.Major >= 2;
        var response = new HttpResponse
        {
            StatusCode = (int)answer.StatusCode,
            Reason = h2 ? "" : answer.ReasonPhrase ?? ReasonPhrases.For((int)answer.StatusCode),
            HttpVersion = h2 ? "HTTP/2.0" : $"HTTP/{answer.Version.Major}.{answer.Version.Minor}",
        };
        AddFields(response.Headers, answer.Headers, h2);
        AddFields(response.Headers, answer.Content.Headers, h2);
        return response;
    }

    /// <summary>HTTP/2 field names are lowercase on the wire (RFC 9113 §8.2.1); .NET's known names are not, so they are lowered back.</summary>
    internal static HttpHeaders? ToHeaders(System.Net.Http.Headers.HttpHeaders source, bool lowercase)
    {
        if (source.NonValidated.Count == 0)
        {
            return null;
        }

        var headers = new HttpHeaders();
        AddFields(headers, source, lowercase);
        return headers;
    }

    private static void AddFields(HttpHeaders target, System.Net.Http.Headers.HttpHeaders source, bool lowercase)
    {
        foreach (var (name, values) in source.NonValidated)
        {
            foreach (var value in values)
            {
                target.Add(lowercase ? Http2FieldNames.Lowercase(name) : name, value);
            }
        }
    }

    private sealed record AdoptedConnection(UpstreamConnection Connection, ServerConnectionInfo Info);
}
