using System.Net;
using System.Text;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Bench;

/// <summary>
/// A day of realistic traffic, made the same on every run: API calls with JSON, pages, assets,
/// 404s and a few errors. Bodies are 200 bytes to a few KB, with 6 to 10 headers each way.
/// </summary>
internal static class BenchFlows
{
    private static readonly string[] Hosts = ["api.example.com", "www.example.org", "cdn.example.net", "auth.example.com", "telemetry.vendor.io"];
    private static readonly string[] Paths = ["/v1/orders", "/v1/orders/42", "/search?q=widgets&page=2", "/index.html", "/static/app.js", "/img/logo.png", "/login", "/v2/events"];

    public static Flow[] Create(int count)
    {
        var random = new Random(4);
        var flows = new Flow[count];
        for (var i = 0; i < count; i++)
        {
            flows[i] = Create(random, i);
        }

        return flows;
    }

    private static Flow Create(Random random, int i)
    {
        var host = Hosts[random.Next(Hosts.Length)];
        var path = Paths[random.Next(Paths.Length)];
        var post = path.StartsWith("/v", StringComparison.Ordinal) && random.Next(3) == 0;
        var body = post ? Encoding.UTF8.GetBytes($$"""{"sku":"ABC-{{i % 997}}","qty":{{i % 5}},"note":"{{new string('x', random.Next(100, 400))}}"}""") : [];
        var request = HttpRequest.Create(
            post ? "POST" : "GET",
            $"https://{host}{path}",
            body,
            ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"),
            ("Accept", "application/json, text/plain, */*"),
            ("Accept-Language", "en-US,en;q=0.9"),
            ("Accept-Encoding", "gzip, deflate, br"),
            ("Cookie", $"session={i:x8}; theme=dark"),
            ("Content-Type", post ? "application/json" : "text/plain"));
        var flow = new Flow(request, new ClientConnectionInfo { PeerAddress = new IPEndPoint(IPAddress.Loopback, 40000 + (i % 20000)) });
        flow.Server.Address = HostPort.Format(host, 443);

        var roll = random.Next(100);
        if (roll < 3)
        {
            flow.Error = new FlowError("Connection refused", DateTimeOffset.UnixEpoch);
            return flow;
        }

        var (status, contentType, text) = roll switch
        {
            < 10 => (404, "text/html; charset=utf-8", "<html><body><h1>Not Found</h1><p>The page was not found.</p></body></html>"),
            < 13 => (500, "application/json", """{"error":"internal","trace":"abc123"}"""),
            _ when path.EndsWith(".js", StringComparison.Ordinal) => (200, "application/javascript", "function main(){" + new string(';', 1500) + "}"),
            _ when path.EndsWith(".png", StringComparison.Ordinal) => (200, "image/png", "\u0089PNG" + new string('\0', 800)),
            _ when path.EndsWith(".html", StringComparison.Ordinal) => (200, "text/html; charset=utf-8", "<html><head><title>Shop</title></head><body>" + new string('p', 2000) + "</body></html>"),
            _ => (200, "application/json", $$"""{"id":{{i}},"status":"ok","items":[{{string.Join(',', Enumerable.Range(0, random.Next(5, 40)))}}]}"""),
        };
        flow.Response = HttpResponse.Create(
            status,
            Encoding.Latin1.GetBytes(text),
            ("Content-Type", contentType),
            ("Cache-Control", "no-cache"),
            ("Date", "Tue, 02 Jan 2024 03:04:05 GMT"),
            ("Server", "nginx/1.25.3"),
            ("X-Request-Id", $"{i:x12}"),
            ("Strict-Transport-Security", "max-age=31536000"));
        return flow;
    }
}
