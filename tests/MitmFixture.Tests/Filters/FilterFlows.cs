using System.Net;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Filters;

/// <summary>The flows the filter tables run against, by name; each call builds a fresh flow.</summary>
internal static class FilterFlows
{
    private static readonly Dictionary<string, Func<Flow>> Builders = new()
    {
        // mitmproxy's test/tflow.py fixtures, as test_flowfilter.py uses them.
        ["tflow"] = () => TestFlows.TFlow(),
        ["tflow-resp"] = () => TestFlows.TFlow(response: true),
        ["tflow-err"] = () => TestFlows.TFlow(error: true),
        ["tflow-gzip"] = () => TestFlows.TFlow().Gzipped(),
        ["tflow-resp-gzip"] = () => TestFlows.TFlow(response: true).Gzipped(),
        ["websocket"] = TestFlows.TWebSocketFlow,

        // Realistic traffic.
        ["get-query"] = () => TestFlows.Get("https://api.example.com/search?q=Widgets&page=2", ("Accept", "application/json"), ("User-Agent", "curl/8.5.0"))
            .Respond(200, """{"results":[],"total":0}""", "application/json"),
        ["post-json"] = () => TestFlows.PostJson("https://api.example.com/v1/orders", """{"sku":"ABC-123","qty":2}""")
            .Respond(201, """{"id":42,"status":"created"}""", "application/json; charset=utf-8"),
        ["form-post"] = () => TestFlows.PostForm("http://shop.test/login", ("user", "alice"), ("password", "s3cr3t"))
            .Respond(302, [], ("Location", "/account"), ("Set-Cookie", "session=abc; HttpOnly")),
        ["not-found"] = () => TestFlows.Get("https://www.example.org/missing.html")
            .Respond(404, "<html><body><h1>Not Found</h1></body></html>", "text/html; charset=utf-8"),
        ["image"] = () => TestFlows.Get("https://cdn.example.net/img/logo.png")
            .Respond(200, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D], ("Content-Type", "image/png")),
        ["css"] = () => TestFlows.Get("https://cdn.example.net/site.css").Respond(200, "body{margin:0}", "TEXT/CSS"),
        ["json-gzip"] = () => TestFlows.Get("https://api.example.com/feed").Respond(200, """{"items":["alpha","beta"]}""", "application/json").Gzipped(),
        ["unicode"] = () => TestFlows.Get("https://intl.example/").Respond(200, "Привет, 测试 θεός Äÿ", "text/plain; charset=utf-8"),
        ["multiline-body"] = () => TestFlows.Send("PUT", "http://notes.test/1", "line one\nline two", "text/plain"),
        ["errored"] = () => TestFlows.Get("http://unreachable.invalid/").Fail("Connection refused"),
        ["reverse"] = () => TestFlows.Get("http://10.0.0.1:8080/status", ("Host", "internal.example")),
        ["ipv6"] = Ipv6,
        ["replayed"] = () => TestFlows.Get("https://api.example.com/v1/orders/42")
            .Respond(200, """{"id":42}""", "application/json")
            .With(replay: ReplayKind.Response, marked: ":default:", comment: "recorded\nfrom cassette"),
        ["client-replayed"] = () => TestFlows.TFlow(response: true).With(replay: ReplayKind.Request),
        ["marked-x"] = () => TestFlows.TFlow().With(marked: "X"),
        // test_metadata's values, then the other types metadata holds, printed as Python's str() does.
        ["meta"] = () => TestFlows.TFlow().With(metadata:
            [("a", 1), ("b", "string"), ("c", new Dictionary<string, object?> { ["key"] = "value" })]),
        ["meta-types"] = () => TestFlows.TFlow().With(metadata:
            [("flag", true), ("missing", null), ("ratio", 1.0), ("tags", new List<object?> { "x", 2 })]),
    };

    public static Flow Get(string name) =>
        Builders.TryGetValue(name, out var build) ? build() : throw new ArgumentException($"no test flow named {name}", nameof(name));

    private static Flow Ipv6()
    {
        var request = HttpRequest.Create("GET", "http://[::1]:8080/health");
        var flow = new Flow(request, new ClientConnectionInfo { PeerAddress = new IPEndPoint(IPAddress.IPv6Loopback, 5000) });
        flow.Server.Address = HostPort.Format("::1", 8080);
        return flow;
    }
}
