using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with an HTTP and an HTTPS port, serving the endpoints the
/// proxy tests need. Its certificate is signed by <see cref="Authority"/>, which the proxy is told to trust.
/// </summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Counters _counters;

    private TestUpstream(WebApplication app, X509Certificate2 authority, Counters counters)
    {
        _app = app;
        Authority = authority;
        _counters = counters;
    }

    public X509Certificate2 Authority { get; }

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    public string HttpsUrl => $"https://localhost:{HttpsPort}";

    /// <summary>Requests served so far (to prove replay never reached the server).</summary>
    public int Requests => Volatile.Read(ref _counters.Requests);

    /// <summary>Distinct TCP connections accepted (to prove keep-alive reuse).</summary>
    public int Connections => Volatile.Read(ref _counters.Connections);

    public static async Task<TestUpstream> StartAsync()
    {
        var (authority, leaf) = CreateCertificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var counters = new Counters();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.Use(next => connection =>
                {
                    Interlocked.Increment(ref counters.Connections);
                    return next(connection);
                });
            });
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.Use(next => connection =>
                {
                    Interlocked.Increment(ref counters.Connections);
                    return next(connection);
                });
                o.UseHttps(leaf);
            });
        });
        var app = builder.Build();
        var self = new TestUpstream(app, authority, counters);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref counters.Requests);
            await next(context);
        });
        app.UseWebSockets();
        MapEndpoints(app);
        await app.StartAsync();
        var addresses = app.Urls.Select(u => new Uri(u)).ToArray();
        self.HttpPort = addresses.Single(u => u.Scheme == "http").Port;
        self.HttpsPort = addresses.Single(u => u.Scheme == "https").Port;
        return self;
    }

    private static void MapEndpoints(WebApplication app)
    {
        // Echoes the request as text: method, path+query, headers in order, then the body.
        app.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var text = new StringBuilder();
            text.Append(context.Request.Method).Append(' ').Append(context.Request.Path).Append(context.Request.QueryString).Append('\n');
            foreach (var header in context.Request.Headers)
            {
                text.Append(header.Key).Append(": ").Append(header.Value.ToString()).Append('\n');
            }

            text.Append('\n').Append(Encoding.UTF8.GetString(body.ToArray()));
            context.Response.ContentType = "text/plain; charset=utf-8";
            context.Response.Headers["X-Connection-Id"] = context.Connection.Id;
            await context.Response.WriteAsync(text.ToString());
        });

        app.MapGet("/setcookie/{name}/{value}", (HttpContext context, string name, string value) =>
        {
            context.Response.Headers.Append("Set-Cookie", $"{name}={value}; Path=/");
            return Results.Text("cookie set");
        });

        app.Map("/status/{code:int}", (int code) => code is 204 or 304 ? Results.StatusCode(code) : Results.Text($"status {code}", statusCode: code));

        // A chunked body written in pieces.
        app.MapGet("/chunked", async (HttpContext context) =>
        {
            for (var i = 0; i < 5; i++)
            {
                await context.Response.WriteAsync($"part{i};");
                await context.Response.Body.FlushAsync();
            }
        });

        // n bytes of a repeating pattern, with Content-Length, written in 64 KiB writes.
        app.MapGet("/bytes/{n:long}", async (HttpContext context, long n) =>
        {
            context.Response.ContentLength = n;
            context.Response.ContentType = "application/octet-stream";
            var block = Pattern(64 * 1024);
            for (long sent = 0; sent < n; sent += block.Length)
            {
                await context.Response.Body.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, n - sent)));
            }
        });

        // Counts the bytes of an uploaded body without keeping it.
        app.MapPost("/count", async (HttpContext context) =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                total += n;
            }

            return Results.Text(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });

        app.MapGet("/gzip", async (HttpContext context) =>
        {
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync("{\"hello\":\"world\"}"u8.ToArray());
            }

            await context.Response.Body.WriteAsync(buffer.ToArray());
        });

        app.MapGet("/slow/{ms:int}", async (int ms) =>
        {
            await Task.Delay(ms);
            return Results.Text("slow");
        });

        // Pushes three messages without being asked, then waits for the client to close.
        app.Map("/ws-push", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            for (var i = 1; i <= 3; i++)
            {
                await Task.Delay(50);
                await socket.SendAsync(Encoding.UTF8.GetBytes($"tick {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            }

            var buffer = new byte[1024];
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        });

        // Hands out a token in its first message (a login over a socket), then waits for the client to close.
        app.Map("/ws-token", async (HttpContext context) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(Encoding.UTF8.GetBytes($"{{\"token_type\":\"Bearer\",\"access_token\":\"{WebSocketToken}\"}}"), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[1024];
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        });

        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                var reply = result.MessageType == WebSocketMessageType.Text
                    ? Encoding.UTF8.GetBytes("echo: " + Encoding.UTF8.GetString(message.ToArray()))
                    : message.ToArray();
                await socket.SendAsync(reply, result.MessageType, true, CancellationToken.None);
            }
        });
    }

    /// <summary>The access token <c>/ws-token</c> sends in its first message.</summary>
    public const string WebSocketToken = "ws-issued-token-5b1e9c0d7a";

    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }

    internal static (X509Certificate2 Authority, X509Certificate2 Leaf) CreateCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Upstream CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var authority = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));

        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost, O=Test Upstream", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName("upstream.test");
        names.AddIpAddress(IPAddress.Loopback);
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = leafRequest.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(1), [1, 2, 3, 4]);
        var leaf = signed.CopyWithPrivateKey(leafKey);

        // Kestrel on Linux needs an exportable key; a PFX round trip gives it one.
        var exported = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pfx), null);
        return (authority, exported);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private sealed class Counters
    {
        public int Requests;
        public int Connections;
    }
}
