using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A real Kestrel server on 127.0.0.1 speaking HTTP/2 over TLS (ALPN h2 and http/1.1) on one port,
/// HTTP/1.1 only over TLS on another, h2c (cleartext HTTP/2, prior knowledge) on a third and HTTP/2 only over TLS on a fourth, with a certificate signed by <see cref="Authority"/>. Optionally
/// serves gRPC services too (StartAsync's configureServices and map).
/// </summary>
public sealed class H2Upstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private H2Upstream(WebApplication app, X509Certificate2 authority)
    {
        _app = app;
        Authority = authority;
    }

    public X509Certificate2 Authority { get; }

    /// <summary>TLS, ALPN h2 and http/1.1.</summary>
    public int H2Port { get; private set; }

    /// <summary>TLS, ALPN http/1.1 only: an h2 client's flows reach it by translation.</summary>
    public int Http11Port { get; private set; }

    /// <summary>Cleartext, HTTP/2 with prior knowledge only (h2c): an HTTP/1.1 request there fails.</summary>
    public int H2cPort { get; private set; }

    /// <summary>TLS, ALPN h2 only: a handshake offering only http/1.1 is refused (alert 120).</summary>
    public int H2OnlyPort { get; private set; }

    public string H2OnlyUrl => $"https://localhost:{H2OnlyPort}";

    public string H2Url => $"https://localhost:{H2Port}";

    public string H2cUrl => $"http://127.0.0.1:{H2cPort}";

    public string Http11Url => $"https://localhost:{Http11Port}";

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<H2Upstream> StartAsync(Action<IServiceCollection>? configureServices = null, Action<WebApplication>? map = null)
    {
        var (authority, leaf) = TestUpstream.CreateCertificates();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        configureServices?.Invoke(builder.Services);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(leaf);
            });
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                o.UseHttps(leaf);
            });
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2); // cleartext: h2c with prior knowledge only
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                o.UseHttps(leaf);
            });
        });
        var app = builder.Build();
        var self = new H2Upstream(app, authority);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref self._requests);
            await next(context);
        });
        MapEndpoints(app);
        map?.Invoke(app);
        await app.StartAsync();
        var ports = app.Urls.Select(u => new Uri(u).Port).ToArray();
        self.H2Port = ports[0];
        self.Http11Port = ports[1];
        self.H2cPort = ports[2];
        self.H2OnlyPort = ports[3];
        return self;
    }

    private static void MapEndpoints(WebApplication app)
    {
        // The request as the server saw it: protocol, method, target, then the body.
        app.Map("/echo/{**rest}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var text = new StringBuilder();
            text.Append(context.Request.Protocol).Append(' ').Append(context.Request.Method).Append(' ')
                .Append(context.Request.Path).Append(context.Request.QueryString).Append('\n');
            text.Append("host: ").Append(context.Request.Host).Append('\n');
            text.Append(Encoding.UTF8.GetString(body.ToArray()));
            context.Response.Headers["x-served-by"] = "h2-upstream";
            await context.Response.WriteAsync(text.ToString());
        });

        // The request's header fields as the server saw them, a line each, and a secret-bearing cookie back.
        app.Map("/headers", async (HttpContext context) =>
        {
            var text = new StringBuilder();
            foreach (var (name, values) in context.Request.Headers)
            {
                text.Append(name).Append(": ").Append(values.ToString()).Append('\n');
            }

            context.Response.Headers.SetCookie = "session=server-secret-cookie; Path=/";
            await context.Response.WriteAsync(text.ToString());
        });

        // A body followed by trailers (HTTP/2 sends them as a final HEADERS frame).
        app.Map("/trailers", async (HttpContext context) =>
        {
            context.Response.DeclareTrailer("x-checksum");
            await context.Response.WriteAsync("body before trailers");
            context.Response.AppendTrailer("x-checksum", "abc123");
        });

        // A body of the asked size, for streams that need several DATA frames and window updates.
        app.Map("/bytes/{count:int}", async (HttpContext context, int count) =>
        {
            var data = TestUpstream.Pattern(count);
            context.Response.ContentLength = count;
            await context.Response.Body.WriteAsync(data);
        });

        // Answers after a delay, so one slow stream can be seen not to hold the others.
        app.Map("/slow/{ms:int}", async (HttpContext context, int ms) =>
        {
            await Task.Delay(ms, context.RequestAborted);
            await context.Response.WriteAsync($"slept {ms}");
        });
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
