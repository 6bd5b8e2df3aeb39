using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cassettes;

/// <summary>Each tool's HAR (see <see cref="HarSamples"/>): import, replay offline with curl, export, import again, compare.</summary>
public sealed class HarImportTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-har-import-").FullName;

    [Theory]
    [MemberData(nameof(HarSamples.Tools), MemberType = typeof(HarSamples))]
    public async Task Import_EachToolsHar_RoundTripsThroughReplayAndExport(string tool)
    {
        var sample = HarSamples.Named(tool);
        var notes = new List<string>();

        // 1. Import, as the tool wrote it.
        var flows = Har.Import(HarSamples.Write(sample, _directory), notes.Add);

        Assert.Equal(sample.Entries, flows.Count);
        Assert.Equal(sample.WithoutResponse, flows.Count(f => f.Response is null));
        Assert.All(flows.Where(f => f.Response is null), f => Assert.NotNull(f.Error));
        Assert.Equal(sample.WithoutResponse > 0, notes.Any(n => n.Contains("have no response", StringComparison.Ordinal)));

        // 2. Replay offline: curl through the proxy, nothing else answers.
        var addon = new ServerReplayAddon(new ReplayStore(flows, new ServerReplayOptions { KillExtra = true }));
        await using (var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] }))
        {
            var result = await Curl.RunAsync("--compressed", "--proxy", harness.Proxy.Url.ToString(), "--cacert", harness.WriteCaFile(), sample.Url);

            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal(sample.Body, result.Stdout);
        }

        // 3. Export and import again: what HAR holds survives.
        var exported = Path.Combine(_directory, tool + ".out.har");
        Har.Export(exported, flows, Redactor.None); // the default redacts Set-Cookie, which this compares
        var back = Har.Import(exported);

        Assert.Equal(flows.Count, back.Count);
        foreach (var (before, after) in flows.Zip(back))
        {
            Assert.Equal(before.Request.Method, after.Request.Method);
            Assert.Equal(before.Request.Url, after.Request.Url);
            Assert.Equal(before.Request.Headers.Select(h => h.ToString()), after.Request.Headers.Select(h => h.ToString()));
            Assert.Equal(before.Request.Body, after.Request.Body);
            Assert.Equal(before.Response?.StatusCode, after.Response?.StatusCode);
            Assert.Equal(before.Response?.Headers.Select(h => h.ToString()), after.Response?.Headers.Select(h => h.ToString()));
            Assert.Equal(before.Response?.DecodedBody, after.Response?.DecodedBody);
            Assert.Equal(before.Error?.Message, after.Error?.Message);
            Assert.Equal(before.WebSocket?.Messages.Select(m => (m.FromClient, m.IsText, Convert.ToBase64String(m.Content))), after.WebSocket?.Messages.Select(m => (m.FromClient, m.IsText, Convert.ToBase64String(m.Content))));
        }
    }

    [Fact]
    public void Import_Chrome_KeepsDataMessagesAndTheFailureReason()
    {
        var flows = Har.Import(HarSamples.Write(HarSamples.Chrome, _directory));

        Assert.Equal("net::ERR_CONNECTION_REFUSED", flows[1].Error?.Message);
        var messages = flows[2].WebSocket!.Messages;
        Assert.Equal(2, messages.Count); // the close frame (opcode 8) is not a message
        Assert.Equal("hello", messages[0].Text);
        Assert.Equal([1, 2, 3], messages[1].Content);
        Assert.DoesNotContain(flows[0].Request.Headers, h => h.Name.StartsWith(':'));
    }

    [Fact]
    public void Import_FormWithParamsOnly_RebuildsTheUrlEncodedBody()
    {
        var flows = Har.Import(HarSamples.Write(HarSamples.Insomnia, _directory));

        Assert.Equal("q=a%26b&n=1", System.Text.Encoding.UTF8.GetString(flows[1].Request.Body!));
    }

    [Fact]
    public void Import_PlaywrightOmittedContent_SaysSoAndKeepsTheFailure()
    {
        var notes = new List<string>();

        var flows = Har.Import(HarSamples.Write(HarSamples.Playwright, _directory), notes.Add);

        Assert.Equal("net::ERR_NAME_NOT_RESOLVED", flows[1].Error?.Message);
        Assert.Empty(flows[2].Response!.Body!);
        Assert.Contains(notes, n => n.Contains("left out", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"httpVersion\": \"HTTP/1.1\\r\\nX: y\", \"content\": {}", "response.httpVersion")]
    [InlineData("\"content\": {\"text\": \"x\", \"encoding\": \"rot13\"}", "response.content.encoding")]
    [InlineData("\"content\": {\"text\": \"not base64!\", \"encoding\": \"base64\"}", "response.content.text")]
    public void Import_HostileFields_AreRefusedWithTheirPath(string response, string expected)
    {
        var path = Path.Combine(_directory, "hostile.har");
        File.WriteAllText(path, $$$"""
            {"log": {"entries": [{"startedDateTime": "2026-01-01T00:00:00Z",
              "request": {"method": "GET", "url": "https://x.example/", "headers": []},
              "response": {"status": 200, "headers": [], {{{response}}}}}]}}
            """);

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://x.example/query/%7Euser?x=%41&y=a+b#top", "/query/%7Euser?x=%41&y=a+b")] // Uri.PathAndQuery gave /query/~user?x=A&y=a+b
    [InlineData("https://x.example?q=1", "/?q=1")]
    [InlineData("https://x.example", "/")]
    [InlineData("http://[::1]:8080/%2Fa", "/%2Fa")]
    [InlineData("https://x.example/ä?q=ü", "/%C3%A4?q=%C3%BC")] // not sendable as spelt: Uri's escaped form
    public void Import_RequestTarget_KeepsTheHarsSpelling(string url, string expected)
    {
        var path = Path.Combine(_directory, "spelling.har");
        File.WriteAllText(path, """
            {"log": {"entries": [{"startedDateTime": "2026-01-01T00:00:00Z",
              "request": {"method": "GET", "url": "URL", "headers": []},
              "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/1.1", "headers": [], "content": {}}}]}}
            """.Replace("URL", url, StringComparison.Ordinal));

        var flow = Assert.Single(Har.Import(path));

        Assert.Equal(expected, flow.Request.Path);
        Assert.Equal("", flow.Response!.Reason); // an empty reason phrase stays empty (it came back as "OK")
    }

    [Fact]
    public void Import_Utf16WithByteOrderMark_IsRead()
    {
        var path = Path.Combine(_directory, "utf16.har");
        File.WriteAllText(path, HarSamples.Insomnia.Har, new System.Text.UnicodeEncoding(bigEndian: false, byteOrderMark: true));

        Assert.Equal(2, Har.Import(path).Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
