using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// Cookies recorded through the real proxy from a real Kestrel origin: every cookie header is
/// redacted, but only a credential-like cookie value (<see cref="CookieSecretShape"/>) is searched
/// for elsewhere, so <c>consent=true</c> and <c>lang=en-US</c> do not rewrite the paths, bodies and
/// headers that say <c>true</c> or <c>en-US</c>, and the cassette replays what the origin sent.
/// </summary>
public sealed partial class CookieRedactionTests : IDisposable
{
    private const string SessionId = "3f9a8c0e1b2d4f6a8c0e1b2d4f6a8c0e";
    private const string Json = "{\"ok\":true,\"s\":\"true\",\"lang\":\"en-US\",\"list\":[true,false]}";
    private const string Html = "<html lang=\"en-US\"><body data-x=\"true\">hi</body></html>";
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-cookies-").FullName;

    private string CassettePath => Path.Combine(_directory, "c.json");

    [Fact]
    public async Task Record_OrdinaryCookieValues_AreRedactedInTheirHeadersOnly_TheSessionIdEverywhere_AndTheCassetteReplays()
    {
        await using var origin = await Origin.StartAsync();
        List<string> recorded;
        var writer = CassetteWriter.Create(CassettePath);
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            recorded = await SessionAsync(harness.CreateClient(), origin.Url);
        }

        await writer.DisposeAsync();
        var text = await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken);
        var flows = Cassette.Load(CassettePath).Flows;
        Flow At(string path) => flows.Single(f => f.Request.Path == path);

        Assert.DoesNotContain(SessionId, text, StringComparison.Ordinal);
        Assert.All(flows[0].Response!.Headers.GetAll("Set-Cookie"), c => Assert.Matches(RedactedCookie(), c.Split(';')[0]));
        Assert.All(flows.Skip(1), f => Assert.Matches(RedactedCookie(), f.Request.Headers["Cookie"]!));
        Assert.Equal(Json, At("/jsontrue").Response!.Text);
        Assert.Equal(Html, At("/html").Response!.Text);
        Assert.Equal("en-US", At("/html").Response!.Headers["Content-Language"]);
        Assert.Equal("ok", At("/query?lang=en-US&debug=true").Response!.Text);
        Assert.Equal("dark", At("/query/dark?p=dark2").Response!.Headers["X-Variant"]);
        Assert.Matches("""^\{"session":"<COOKIE(-\d+)?>"\}$""", At("/me").Response!.Text);

        var cassette = Cassette.Load(CassettePath);
        var replay = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var offline = await ProxyHarness.StartAsync(null, o => o with { Addons = [replay] });
        var replayed = await SessionAsync(offline.CreateClient(), origin.Url);

        Assert.Equal(recorded.Where(a => !a.Contains(SessionId, StringComparison.Ordinal)), replayed.Where(a => !a.Contains("<COOKIE", StringComparison.Ordinal)));
        Assert.All(offline.Proxy.Flows.Snapshot(), f => Assert.Equal(ReplayKind.Response, f.Replay));
        Assert.Equal(0, replay.Store.Remaining);
    }

    /// <summary>Logs in (four cookies), then asks for content that says the cookies' ordinary values; returns status, the headers of interest and body of each answer.</summary>
    private static async Task<List<string>> SessionAsync(HttpClient client, string url)
    {
        var answers = new List<string>();
        foreach (var path in (string[])["/login", "/jsontrue", "/html", "/query?lang=en-US&debug=true", "/query/dark?p=dark2", "/me"])
        {
            using var response = await client.GetAsync(url + path, TestContext.Current.CancellationToken);
            var language = response.Content.Headers.ContentLanguage.FirstOrDefault();
            var variant = response.Headers.TryGetValues("X-Variant", out var v) ? v.Single() : null;
            answers.Add($"{(int)response.StatusCode} {language} {variant} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        return answers;
    }

    [GeneratedRegex(@"^\w+=<COOKIE(-\d+)?>(; \w+=<COOKIE(-\d+)?>)*$")]
    private static partial Regex RedactedCookie();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A site that sets a session cookie and three ordinary ones, then serves content that happens to hold their values.</summary>
    private sealed class Origin : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Origin(WebApplication app)
        {
            _app = app;
            Url = app.Urls.Single().TrimEnd('/');
        }

        public string Url { get; }

        public static async Task<Origin> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.MapGet("/login", (HttpContext context) =>
            {
                context.Response.Headers.Append("Set-Cookie", "consent=true; Path=/");
                context.Response.Headers.Append("Set-Cookie", "lang=en-US");
                context.Response.Headers.Append("Set-Cookie", "theme=dark; Path=/");
                context.Response.Headers.Append("Set-Cookie", $"sid={SessionId}; Path=/; HttpOnly");
                return "welcome";
            });
            app.MapGet("/jsontrue", () => Results.Text(Json, "application/json"));
            app.MapGet("/html", (HttpContext context) =>
            {
                context.Response.Headers.ContentLanguage = "en-US";
                return Results.Text(Html, "text/html");
            });
            app.MapGet("/query", () => "ok");
            app.MapGet("/query/dark", (HttpContext context) =>
            {
                context.Response.Headers["X-Variant"] = "dark";
                return "ok";
            });
            app.MapGet("/me", (HttpContext context) => Results.Text($"{{\"session\":\"{context.Request.Cookies["sid"]}\"}}", "application/json"));
            await app.StartAsync();
            return new Origin(app);
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();
    }
}
