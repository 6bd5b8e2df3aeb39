using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace MitmFixture.Tests.Support;

/// <summary>A Kestrel server answering "answer N" to its Nth request, so replay order and upstream contact are visible.</summary>
public sealed class CountingServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _count;

    public CountingServer()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            var n = Interlocked.Increment(ref _count);
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"answer {n}");
        });
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Urls.Single().TrimEnd('/');
    }

    public string Url { get; }

    public int Requests => Volatile.Read(ref _count);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
