using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MitmFixture.Tests.Support;

/// <summary>
/// A Kestrel service whose answers change when a test says so (<see cref="Version"/>), and whose
/// volatile parts change on every request anyway (Date, X-Request-Id, JSON key order, a
/// "generated" timestamp), so a drift check must tell real drift from noise.
/// </summary>
public sealed class ChangingServer : IAsyncDisposable
{
    public const string Credential = "s3cret-token";
    public const string Token = "Bearer " + Credential;

    private readonly WebApplication _app;
    private int _requests;

    public ChangingServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGet("/user", async context =>
        {
            var n = Interlocked.Increment(ref _requests);
            var name = Version == 1 ? "Ada" : "Grace";
            context.Response.Headers["X-Request-Id"] = Guid.NewGuid().ToString();
            context.Response.Headers["X-Api-Version"] = Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/json";
            var generated = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + n;
            await context.Response.WriteAsync(n % 2 == 0
                ? $$"""{"id":1,"name":"{{name}}","generated":{{generated}}}"""
                : $$"""{"generated":{{generated}},"name":"{{name}}","id":1}""");
        });
        _app.MapGet("/secure", async context =>
        {
            Interlocked.Increment(ref _requests);
            if (context.Request.Headers.Authorization != Token)
            {
                context.Response.StatusCode = 401;
                return;
            }

            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("welcome");
        });
        _app.MapGet("/logo.bin", async context =>
        {
            Interlocked.Increment(ref _requests);
            context.Response.ContentType = "application/octet-stream";
            await context.Response.Body.WriteAsync(new byte[] { 0x89, 0xFF, 0x00, (byte)Version, 0xFE });
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Urls.Single().TrimEnd('/');
    }

    public string Url { get; }

    /// <summary>The service's current behaviour; 1 when started.</summary>
    public int Version { get; set; } = 1;

    public int Requests => Volatile.Read(ref _requests);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
