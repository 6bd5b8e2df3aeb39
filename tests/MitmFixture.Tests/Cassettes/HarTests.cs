using System.Text.Json;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

public sealed class HarTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-har-").FullName;

    private static Flow Sample()
    {
        var request = HttpRequest.Create("POST", "https://api.example.com/items?x=1", "{\"a\":1}"u8.ToArray(), ("Host", "api.example.com"), ("Content-Type", "application/json"), ("X-Dup", "1"), ("x-dup", "2"));
        request.TimestampStart = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        request.TimestampEnd = request.TimestampStart;
        var response = HttpResponse.Create(201, null, ("Content-Type", "application/json"), ("Content-Encoding", "gzip"));
        response.SetDecodedBody("{\"id\":7}"u8.ToArray());
        response.TimestampStart = request.TimestampStart.Value.AddMilliseconds(30);
        response.TimestampEnd = request.TimestampStart.Value.AddMilliseconds(35);
        var flow = new Flow(request) { Response = response };
        var ws = new WebSocketData();
        ws.Add(new WebSocketMessage(WebSocketMessageType.Text, true, "hi"u8.ToArray(), request.TimestampStart.Value.AddSeconds(1)));
        ws.Add(new WebSocketMessage(WebSocketMessageType.Binary, false, [1, 2, 3], request.TimestampStart.Value.AddSeconds(2)));
        flow.WebSocket = ws;
        return flow;
    }

    [Fact]
    public void Export_HasTheHar12StructureViewersNeed()
    {
        var path = Path.Combine(_directory, "out.har");

        Har.Export(path, [Sample()]);
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var log = document.RootElement.GetProperty("log");
        var entry = log.GetProperty("entries")[0];

        Assert.Equal("1.2", log.GetProperty("version").GetString());
        Assert.Equal("MitmFixture", log.GetProperty("creator").GetProperty("name").GetString());
        foreach (var name in new[] { "startedDateTime", "time", "request", "response", "cache", "timings" })
        {
            Assert.True(entry.TryGetProperty(name, out _), name);
        }

        foreach (var name in new[] { "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize" })
        {
            Assert.True(entry.GetProperty("request").TryGetProperty(name, out _), name);
        }

        Assert.Equal("{\"id\":7}", entry.GetProperty("response").GetProperty("content").GetProperty("text").GetString());
        Assert.Equal("send", entry.GetProperty("_webSocketMessages")[0].GetProperty("type").GetString());
        Assert.Equal(2, entry.GetProperty("_webSocketMessages")[1].GetProperty("opcode").GetInt32());
    }

    [Fact]
    public void RoundTrip_CassetteToHarToCassette_KeepsWhatHarHolds()
    {
        var har = Path.Combine(_directory, "x.har");
        var original = Sample();

        Har.Export(har, [original]);
        var back = Assert.Single(Har.Import(har));

        Assert.Equal(original.Request.Url, back.Request.Url);
        Assert.Equal(original.Request.Headers.Select(h => h.ToString()), back.Request.Headers.Select(h => h.ToString()));
        Assert.Equal(original.Request.Body, back.Request.Body);
        Assert.Equal(original.Response!.StatusCode, back.Response!.StatusCode);
        Assert.Equal("{\"id\":7}", back.Response.Text);
        Assert.Equal("gzip", back.Response.Headers["Content-Encoding"]);
        Assert.Equal([1, 2, 3], back.WebSocket!.Messages[1].Content);
        Assert.True(back.WebSocket.Messages[0].FromClient);
    }

    [Fact]
    public async Task BrowserStyleHar_ImportsAndReplaysThroughTheProxy()
    {
        // As Chrome saves it: HTTP/2 pseudo-headers, decoded content for a br-encoded response.
        var har = Path.Combine(_directory, "browser.har");
        await File.WriteAllTextAsync(har, """
            {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": [],
             "entries": [{
               "startedDateTime": "2026-11-20T10:00:00.000Z", "time": 42.5,
               "request": {"method": "GET", "url": "https://shop.example.com/api/cart?id=9", "httpVersion": "http/2.0",
                 "headers": [{"name": ":authority", "value": "shop.example.com"}, {"name": "accept", "value": "application/json"}],
                 "queryString": [{"name": "id", "value": "9"}], "cookies": [], "headersSize": -1, "bodySize": 0},
               "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0",
                 "headers": [{"name": "content-type", "value": "application/json"}, {"name": "content-encoding", "value": "br"}],
                 "cookies": [], "content": {"size": 20, "mimeType": "application/json", "text": "{\"items\":[1,2,3]}"},
                 "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 120},
               "cache": {}, "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 40, "receive": 1.4}
             }]}}
            """, TestContext.Current.CancellationToken);

        var flows = Har.Import(har);
        var addon = new ServerReplayAddon(new ReplayStore(flows, new ServerReplayOptions { KillExtra = true }));
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });
        var client = harness.CreateClient();

        var text = await client.GetStringAsync("https://shop.example.com/api/cart?id=9", TestContext.Current.CancellationToken);
        var raw = Assert.Single(harness.Proxy.Flows.Snapshot()).Response!;

        Assert.Equal("br", raw.Headers["content-encoding"]);
        Assert.Equal("{\"items\":[1,2,3]}", raw.Text);
        Assert.NotNull(text);
    }

    [Fact]
    public void Import_NotAHar_SaysWhatWasExpected()
    {
        var path = Path.Combine(_directory, "bad.har");
        File.WriteAllText(path, "{\"log\": {\"entries\": [{\"request\": {}}]}}");

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportImport_BodyPastTheDecodingLimit_RoundTripsEncodedByteForByte()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new byte[100_000]);
        }

        var response = HttpResponse.Create(200, buffer.ToArray(), ("Content-Encoding", "gzip"), ("Content-Type", "application/octet-stream"));
        response.MaxDecodedBodyBytes = 1000;
        var path = Path.Combine(_directory, "bomb.har");

        Har.Export(path, [new Flow(HttpRequest.Create("GET", "http://a.test/")) { Response = response }]);
        var imported = Assert.Single(Har.Import(path));

        Assert.Equal(buffer.ToArray(), imported.Response!.Body);
        Assert.Contains("\"_encoded\": true", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gzip", "gzip")]
    [InlineData("x-unknown", null)] // a coding we cannot produce: the header goes, as SetDecodedBody does it
    public void Import_RequestWithContentEncoding_BodyEncodedAsTheHeaderSays(string coding, string? keptHeader)
    {
        var path = Path.Combine(_directory, "coded.har");
        File.WriteAllText(path, """
            {"log": {"version": "1.2", "creator": {"name": "t", "version": "1"}, "entries": [{
               "startedDateTime": "2026-11-20T10:00:00.000Z", "time": 1,
               "request": {"method": "POST", "url": "http://api.example.com/upload", "httpVersion": "HTTP/1.1",
                 "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "Content-Encoding", "value": "CODING"}],
                 "queryString": [], "cookies": [], "headersSize": -1, "bodySize": -1,
                 "postData": {"mimeType": "application/json", "text": "{\"a\":1}"}},
               "response": {"status": 204, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                 "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
               "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}
             }]}}
            """.Replace("CODING", coding, StringComparison.Ordinal));

        var request = Assert.Single(Har.Import(path)).Request;

        Assert.Equal(keptHeader, request.Headers.Get("Content-Encoding"));
        Assert.Null(request.DecodeProblem);
        Assert.Equal("{\"a\":1}", request.Text);
        if (keptHeader is not null)
        {
            Assert.NotEqual("{\"a\":1}"u8.ToArray(), request.Body); // the bytes on the wire are gzip, as the header says
        }
    }

    [Fact]
    public void ExportImport_RequestBodyPastTheDecodingLimit_RoundTripsEncodedByteForByte()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(new byte[100_000]);
        }

        var request = HttpRequest.Create("POST", "http://a.test/", buffer.ToArray(), ("Content-Encoding", "gzip"));
        request.MaxDecodedBodyBytes = 1000;
        var path = Path.Combine(_directory, "bomb-request.har");

        Har.Export(path, [new Flow(request)]);
        var imported = Assert.Single(Har.Import(path));

        Assert.Equal(buffer.ToArray(), imported.Request.Body);
        Assert.Equal("gzip", imported.Request.Headers.Get("Content-Encoding"));
    }

    [Fact]
    public void ExportImport_BodiesLongerThanOneWriteSegment_RoundTripByteForByte()
    {
        // Past a segment (a million characters) the text is written in pieces, as a body of 125 MB or
        // more must be (one JSON value stops at 166,666,666 characters); a pair of surrogates is never split.
        var binary = new byte[3 * 1024 * 1024 + 7];
        new Random(20).NextBytes(binary);
        var text = string.Concat(Enumerable.Repeat("\U0001F600 ab", 600_000)); // 5 characters per repeat: a pair straddles the first segment end
        var request = HttpRequest.Create("POST", "http://a.test/upload", System.Text.Encoding.UTF8.GetBytes(text), ("Content-Type", "text/plain; charset=utf-8"));
        var response = HttpResponse.Create(200, binary, ("Content-Type", "application/octet-stream"));
        var path = Path.Combine(_directory, "large.har");

        Har.Export(path, [new Flow(request) { Response = response }]);
        var imported = Assert.Single(Har.Import(path));

        Assert.Equal(binary, imported.Response!.Body);
        Assert.Equal(text, imported.Request.Text);
    }

    /// <summary>The limit itself: explicit, because it holds about a gigabyte at its peak (run with <c>-- xUnit.Explicit=on</c>).</summary>
    [Fact(Explicit = true)]
    public void ExportImport_BodyOf126MB_RoundTrips()
    {
        var binary = new byte[126_000_000];
        new Random(21).NextBytes(binary.AsSpan(0, 4096));
        var path = Path.Combine(_directory, "huge.har");

        Har.Export(path, [new Flow(HttpRequest.Create("GET", "http://a.test/")) { Response = HttpResponse.Create(200, binary, ("Content-Type", "application/octet-stream")) }]);

        Assert.Equal(binary, Assert.Single(Har.Import(path)).Response!.Body);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
