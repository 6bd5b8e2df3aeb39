using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cassettes;

public sealed class CassetteTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-cassette-").FullName;

    private string FilePath(string name = "c.json") => Path.Combine(_directory, name);

    private static Flow FlowWith(string contentType, byte[] body, string? encoding = null)
    {
        var response = HttpResponse.Create(200, null, ("Content-Type", contentType));
        if (encoding is not null)
        {
            response.Headers.Add("Content-Encoding", encoding);
        }

        response.SetDecodedBody(body);
        return new Flow(HttpRequest.Create("GET", "http://a.test/x?y=1", null, ("Host", "a.test"), ("X-Dup", "1"), ("x-dup", "2"))) { Response = response };
    }

    [Theory]
    [InlineData("application/json", "{\"a\":1,\"b\":[true,null]}", "\"json\": {")]
    [InlineData("application/json", "{ \"pretty\": 1 }", "\"text\": \"{ \\\"pretty\\\": 1 }\"")]
    [InlineData("text/html; charset=utf-8", "<p>héllo</p>", "\"text\": \"<p>héllo</p>\"")]
    [InlineData("image/png", "\u0089PNG", "\"base64\":")]
    public void RoundTrip_BodyKinds_StoredReadablyAndRestoredExactly(string contentType, string body, string expectedInFile)
    {
        var bytes = contentType == "image/png" ? [0x89, 0x50, 0x4E, 0x47, 0x00, 0xFF] : Encoding.UTF8.GetBytes(body);
        var flow = FlowWith(contentType, bytes);

        Cassette.Save(FilePath(), [flow]);
        var text = File.ReadAllText(FilePath());
        var loaded = Assert.Single(Cassette.Load(FilePath()).Flows);

        Assert.Contains(expectedInFile, text, StringComparison.Ordinal);
        Assert.Equal(bytes, loaded.Response!.Body);
        Assert.Equal(["Host", "X-Dup", "x-dup"], loaded.Request.Headers.Select(h => h.Name));
        Assert.DoesNotContain("\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CompressedBody_StoredDecodedWithEncodingNoted_ReencodedOnLoad()
    {
        var flow = FlowWith("application/json", "{\"zip\":true}"u8.ToArray(), "gzip");

        Cassette.Save(FilePath(), [flow]);
        var text = File.ReadAllText(FilePath());
        var loaded = Assert.Single(Cassette.Load(FilePath()).Flows);

        Assert.Contains("\"encoding\": \"gzip\"", text, StringComparison.Ordinal);
        Assert.Contains("\"zip\": true", text, StringComparison.Ordinal);
        Assert.Equal("{\"zip\":true}", loaded.Response!.Text);
        Assert.Equal(0x1f, loaded.Response.Body![0]); // gzip magic: encoded again for the wire
    }

    [Fact]
    public void Save_IsStableAndDeterministic()
    {
        var flow = FlowWith("text/plain", "same"u8.ToArray());

        Cassette.Save(FilePath("a.json"), [flow]);
        Cassette.Save(FilePath("b.json"), [flow]);

        Assert.Equal(File.ReadAllText(FilePath("a.json")), File.ReadAllText(FilePath("b.json")));
        Assert.StartsWith("{\n  \"version\": 3,\n  \"flows\": [\n    {\n      \"id\":", File.ReadAllText(FilePath("a.json")), StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_IsWrittenInKeyOrder_RoundTrips_AndRedacted()
    {
        var flow = FlowWith("text/plain", "ok"u8.ToArray());
        flow.Request.Headers.Add("Authorization", "Bearer s3cret-value");
        flow.Metadata["server_surplus"] = "the server sent 12 unexpected bytes after the response; the connection was discarded: s3cret-value";
        flow.Metadata["stickycookie"] = true;
        flow.Metadata["attempts"] = 3;
        flow.Metadata["ratio"] = 0.5;
        flow.Metadata["addon_state"] = new object(); // an addon's own object: kept in memory only
        flow.Metadata["bad\u001bkey"] = "x"; // a key the file could not load back: kept in memory only

        Cassette.Save(FilePath(), [flow]);
        var text = File.ReadAllText(FilePath());
        var loaded = Assert.Single(Cassette.Load(FilePath()).Flows);

        Assert.Contains("\"metadata\": {\n        \"attempts\": 3,\n        \"ratio\": 0.5,\n        \"server_surplus\": \"the server sent 12 unexpected bytes after the response; the connection was discarded: <AUTHORIZATION>\",\n        \"stickycookie\": true\n      }", text, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("addon_state", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bad", text, StringComparison.Ordinal);
        Assert.Equal(["attempts", "ratio", "server_surplus", "stickycookie"], loaded.Metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3L, loaded.Metadata["attempts"]);
        Assert.Equal(0.5, loaded.Metadata["ratio"]);
        Assert.Equal(true, loaded.Metadata["stickycookie"]);
        Assert.Equal("s3cret-value", flow.Metadata["server_surplus"] is string live ? live[^12..] : null); // the live flow keeps its note as it was
        var block = text[text.IndexOf("\"metadata\"", StringComparison.Ordinal)..text.IndexOf('}', text.IndexOf("\"metadata\"", StringComparison.Ordinal))];
        Assert.Contains(block, Cassette.ToJson([loaded]), StringComparison.Ordinal); // loaded and saved again, the same
    }

    [Theory]
    [InlineData("{\"note\": {\"nested\": 1}}", "$.flows[0].metadata.note")]
    [InlineData("{\"note\": [1]}", "$.flows[0].metadata.note")]
    [InlineData("{\"note\": null}", "$.flows[0].metadata")]
    [InlineData("[\"note\"]", "$.flows[0].metadata")]
    [InlineData("{\"no\\u001b[2Jte\": \"x\"}", "a metadata key is \"no\\x1b[2Jte\"")]
    [InlineData("{\"\": \"x\"}", "expected 1 to 200 characters")]
    public void Load_MetadataOfAnotherKind_IsRefusedNamingWhere(string metadata, string where)
    {
        File.WriteAllText(FilePath(), "{\"version\": 3, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"GET\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": []}, \"metadata\": " + metadata + "}]}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Version2File_ReadsWithoutMetadata()
    {
        File.WriteAllText(FilePath(), "{\"version\": 2, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"GET\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": []}}]}");

        Assert.Empty(Assert.Single(Cassette.Load(FilePath()).Flows).Metadata);
    }

    [Fact]
    public void Load_TruncatedFile_NamesFileLineAndProblem()
    {
        Cassette.Save(FilePath(), [FlowWith("text/plain", "x"u8.ToArray())]);
        var text = File.ReadAllText(FilePath());
        File.WriteAllText(FilePath(), text[..(text.Length / 2)]);

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.StartsWith(FilePath() + ":", error.Message, StringComparison.Ordinal);
        Assert.Matches(@":\d+", error.Location);
    }

    [Theory]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/octet-stream")]
    public void SaveLoad_BodyWrittenInSegments_ComesBackByteForByte_AndReadsAsOneValue(string contentType)
    {
        // Past 1 MiB a body is written in segments (Utf8JsonWriter refuses one value of 125 MB or more):
        // multi-byte characters and escapes fall on the segment edges here.
        var piece = "é€😀\"\\\n<a>"u8.ToArray();
        var body = Enumerable.Range(0, (3 * 1024 * 1024 / piece.Length) + 7).SelectMany(_ => piece).ToArray();
        if (contentType == "application/octet-stream")
        {
            body[^1] = 0xFF; // not UTF-8: base64
        }

        Cassette.Save(FilePath(), [FlowWith(contentType, body)]);
        var text = File.ReadAllText(FilePath());
        var loaded = Assert.Single(Cassette.Load(FilePath()).Flows);

        Assert.Equal(body, loaded.Response!.Body);
        Assert.Contains(contentType.StartsWith("text/", StringComparison.Ordinal) ? "\"text\": \"é€" : "\"base64\": \"w6nigqzwn5iAIlwKPGE+", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"h\\u00e9\\\"\\n\\ud83d\\ude00\"", "hé\"\n😀")]
    [InlineData("\"plain\"", "plain")]
    public void Load_TextBodyWithEscapes_IsItsUtf8(string json, string expected)
    {
        File.WriteAllText(FilePath(), "{\"version\": 3, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"POST\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": [], \"body\": {\"text\": " + json + "}}}]}");

        Assert.Equal(Encoding.UTF8.GetBytes(expected), Assert.Single(Cassette.Load(FilePath()).Flows).Request.Body);
    }

    [Fact]
    public void Load_TextBodyWithALoneSurrogate_NamesWhere()
    {
        File.WriteAllText(FilePath(), "{\"version\": 3, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"POST\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": [], \"body\": {\"text\": \"a\\ud800b\"}}}]}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains("$.flows[0].request.body.text", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"response\": {\"status_code\": 200, \"reason\": \"OK\", \"http_version\": \"HTTP/1.1\", \"headers\": [],\n \"body\": {\"base64\": \"not base64!\"}}", "$.flows[0].response.body.base64")]
    [InlineData("\"web_socket\": {\"messages\": [{\"from\": \"server\",\n \"base64\": \"@@@@\"}]}", "$.flows[0].web_socket.messages[0].base64")]
    public void Load_TextThatIsNotBase64_NamesFileLineAndPath(string part, string path)
    {
        File.WriteAllText(FilePath(), "{\"version\": 3, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"GET\", \"scheme\": \"http\", \"host\": \"h\", \"port\": 1, \"path\": \"/\", \"http_version\": \"HTTP/1.1\", \"headers\": []}, " + part + "}]}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.StartsWith(FilePath() + ":2", error.Message, StringComparison.Ordinal);
        Assert.Contains(path + ": expected base64 text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingRequiredProperty_NamesThePath()
    {
        File.WriteAllText(FilePath(), "{\n  \"version\": 1,\n  \"flows\": [\n    {\n      \"id\": \"x\",\n      \"request\": { \"scheme\": \"http\", \"host\": \"a\", \"port\": 80, \"path\": \"/\" }\n    }\n  ]\n}\n");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains("method", error.Message, StringComparison.Ordinal);
        Assert.Contains(FilePath(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UnknownProperty_IsRefusedByName()
    {
        File.WriteAllText(FilePath(), "{\"version\": 1, \"flows\": [], \"extra\": 1}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains("extra", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NewerVersion_IsRefusedClearly()
    {
        File.WriteAllText(FilePath(), "{\"version\": 99, \"flows\": []}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains("format version 99 was written by a newer MitmFixture", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]", "expected a JSON object")]
    [InlineData("{\"flows\": []}", "expected a \"version\" property")]
    [InlineData("not json", "")]
    public void Load_ForeignFile_SaysWhatWasExpected(string content, string expected)
    {
        File.WriteAllText(FilePath(), content);

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(FilePath(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_IsIncrementalAndLeavesNoTempFiles()
    {
        await using (var writer = CassetteWriter.Create(FilePath()))
        {
            writer.Append(FlowWith("text/plain", "one"u8.ToArray()));
            await writer.FlushAsync();
            Assert.Single(Cassette.Load(FilePath()).Flows); // readable while recording

            writer.Append(FlowWith("text/plain", "two"u8.ToArray()));
        }

        Assert.Equal(2, Cassette.Load(FilePath()).Flows.Count);
        Assert.Equal(["c.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Writer_SecondWriterOnSameFile_IsRefused()
    {
        await using var first = CassetteWriter.Create(FilePath());

        var error = Assert.Throws<InvalidOperationException>(() => CassetteWriter.Create(FilePath()));

        Assert.Contains("already being recorded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writers_ManyFilesAtOnce_AllComplete()
    {
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            await using var writer = CassetteWriter.Create(FilePath($"c{i}.json"));
            for (var j = 0; j < 25; j++)
            {
                writer.Append(FlowWith("text/plain", Encoding.UTF8.GetBytes($"{i}-{j}")));
            }
        }));

        await Task.WhenAll(tasks);

        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(25, Cassette.Load(FilePath($"c{i}.json")).Flows.Count);
        }
    }

    [Fact]
    public async Task Writer_FolderGone_FailsNamingTheFileAndLeavesNoPartialCassette()
    {
        var folder = Path.Combine(_directory, "rec");
        var path = Path.Combine(folder, "c.json");
        var writer = CassetteWriter.Create(path);
        writer.Append(FlowWith("text/plain", "one"u8.ToArray()));
        await writer.FlushAsync();

        // The recordings folder turns into something unwritable (here: a file of the same name).
        Directory.Delete(folder, recursive: true);
        await File.WriteAllTextAsync(folder, "not a folder", TestContext.Current.CancellationToken);
        writer.Append(FlowWith("text/plain", "two"u8.ToArray()));
        var error = await Assert.ThrowsAsync<IOException>(writer.FlushAsync);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("recording failed", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(async () => await writer.DisposeAsync());
        Assert.Equal("not a folder", await File.ReadAllTextAsync(folder, TestContext.Current.CancellationToken)); // nothing written over it
        Assert.Equal([folder], Directory.EnumerateFileSystemEntries(_directory)); // and nothing beside it
    }

    [Fact]
    public async Task Writer_ReplacingTheCassetteFails_LeavesNoPartialTemporaryFile()
    {
        var folder = Path.Combine(_directory, "rec");
        var path = Path.Combine(folder, "c.json");
        var writer = CassetteWriter.Create(path);
        writer.Append(FlowWith("text/plain", "one"u8.ToArray()));
        await writer.FlushAsync();

        // The temp file can be written, but not renamed over the cassette (now a folder).
        File.Delete(path);
        Directory.CreateDirectory(path);
        writer.Append(FlowWith("text/plain", "two"u8.ToArray()));
        var error = await Assert.ThrowsAsync<IOException>(writer.FlushAsync);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(async () => await writer.DisposeAsync());
        Assert.Equal([path], Directory.EnumerateFileSystemEntries(folder)); // the temp file was removed
        Assert.Empty(Directory.EnumerateFileSystemEntries(path));
    }

    [Fact]
    public void Redaction_SecretInEveryEncoding_IsReplaced()
    {
        const string secret = "tok/en+42 x";
        var request = HttpRequest.Create("POST", $"http://a.test/p?t={Uri.EscapeDataString(secret)}", Encoding.UTF8.GetBytes($"{{\"t\":\"{secret}\",\"b\":\"{Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))}\"}}"), ("Authorization", $"Bearer {secret}"), ("Content-Type", "application/json"));
        var flow = new Flow(request) { Response = HttpResponse.Create(200, $"echo {secret}") };

        var json = Cassette.ToJson([flow]);

        Assert.DoesNotContain("tok/en", json, StringComparison.Ordinal);
        Assert.DoesNotContain("tok%2Fen", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), json, StringComparison.Ordinal);
        Assert.Contains("<AUTHORIZATION>", json, StringComparison.Ordinal);
        Assert.Equal($"Bearer {secret}", flow.Request.Headers["Authorization"]); // the live flow is untouched
    }

    [Fact]
    public void Redaction_PlaceholderWithValueSource_RestoredOnReplay()
    {
        var options = new RedactionOptions { Placeholders = new Dictionary<string, Func<string?>> { ["API_KEY"] = () => "k-123456" } };
        var redactor = new Redactor(options);
        var flow = new Flow(HttpRequest.Create("GET", "http://a.test/?key=k-123456")) { Response = HttpResponse.Create(200, "your key is k-123456") };

        var redacted = redactor.Redact(flow);
        Assert.Equal("/?key=<API_KEY>", redacted.Request.Path);
        Assert.Equal("your key is <API_KEY>", redacted.Response!.Text);

        redactor.Restore(redacted.Response);
        Assert.Equal("your key is k-123456", redacted.Response.Text);
    }

    [Fact]
    public void Redaction_QueryFormAndJsonFieldsByName()
    {
        var redactor = new Redactor(new RedactionOptions { QueryParameters = ["sig"], JsonFields = ["auth.password"] });
        var request = HttpRequest.Create("POST", "http://a.test/?sig=abcdef", "{\"auth\":{\"password\":\"hunter22\"}}"u8.ToArray(), ("Content-Type", "application/json"));

        var redacted = redactor.Redact(new Flow(request));

        Assert.Equal("/?sig=<SIG>", redacted.Request.Path);
        Assert.Equal("{\"auth\":{\"password\":\"<PASSWORD>\"}}", redacted.Request.Text);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
