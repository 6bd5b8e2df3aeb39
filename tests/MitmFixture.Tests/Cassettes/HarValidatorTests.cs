using MitmFixture.Cassettes;

namespace MitmFixture.Tests.Cassettes;

/// <summary>A HAR file is untrusted input too: the fields that reach a message head are checked on import.</summary>
public sealed class HarValidatorTests : IDisposable
{
    private const string Template = """
        {
          "log": {
            "version": "1.2",
            "entries": [
              {
                "startedDateTime": "2026-01-01T00:00:00Z",
                "time": 1,
                "request": {
                  "method": @method@,
                  "url": @url@,
                  "httpVersion": @request_version@,
                  "headers": [
                    @request_header@
                  ]
                },
                "response": {
                  "status": @status@,
                  "statusText": @status_text@,
                  "httpVersion": "HTTP/1.1",
                  "headers": [
                    @response_header@
                  ],
                  "content": { "mimeType": "text/plain", "text": "ok" }
                }
              }
            ]
          }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-hostile-har-").FullName;

    public static TheoryData<string, string, string, string> Fields => new()
    {
        { "request_header", """{"name": "X-A", "value": "1\r\nX-Smuggled: 1"}""", "$.log.entries[0].request.headers[0].value", "a CR (0x0D)" },
        { "request_header", """{"name": "X A", "value": "1"}""", "$.log.entries[0].request.headers[0].name", "has a space" },
        { "request_header", "null", "$.log.entries[0].request.headers[0]", "got null" },
        { "response_header", """{"name": "X-A", "value": "1\u0000"}""", "$.log.entries[0].response.headers[0].value", "a NUL (0x00)" },
        { "method", "\"GET\\r\\nX: 1\"", "$.log.entries[0].request.method", "a CR (0x0D)" },
        { "url", "\"http://example.com/a\\r\\nX-Smuggled: 1\"", "$.log.entries[0].request.url", "a CR (0x0D)" },
        { "request_version", "\"HTTP/1.1\\r\\nX: 1\"", "$.log.entries[0].request.httpVersion", "expected an HTTP version" },
        { "request_version", "\"HTTP/9\"", "$.log.entries[0].request.httpVersion", "expected an HTTP version" },
        { "status", "1000", "$.log.entries[0].response.status", "the status is 1000" },
        { "status", "42", "$.log.entries[0].response.status", "the status is 42" },
        { "status_text", "\"OK\\r\\nX: 1\"", "$.log.entries[0].response.statusText", "a CR (0x0D)" },
        { "url", "\"http://example.com:0/\"", "$.log.entries[0].request.url", "the URL's port is 0" },
        { "response_header", """{"name": "Set-Cookie", "value": "a=b\uff1b Domain\uff1devil.com"}""", "$.log.entries[0].response.headers[0].value", "(U+FF1B), past U+00FF" },
        { "status", "100", "$.log.entries[0].response.status", "the status is 100, an interim answer" },

        // As in a cassette (and as a live request gets a 400): which Host a server picks is where request smuggling lives.
        // convert wrote such a HAR into a cassette that the next command refused, naming the cassette instead of the HAR.
        { "request_header", """{"name": "Host", "value": "a.example"}, {"name": "host", "value": "b.example"}""", "$.log.entries[0].request.headers", "has more than one Host header; expected at most one" },
    };

    // The entry's end is its start plus its time: a time no DateTimeOffset can hold crashed the import.
    [Theory]
    [InlineData("1e15")]
    public void Import_TimePastTheYear9999_RefusedWithItsPath(string time)
    {
        var path = Write(With("method", "\"GET\"").Replace("\"time\": 1,", $"\"time\": {time},", StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.Contains("at $.log.entries[0].time: is ", error.Message, StringComparison.Ordinal);
    }

    // HAR 1.2 types these as numbers and every tool writes them so: a string is a hand edit or another
    // format, and "NaN" as a time gave a flow that ended before it began.
    [Theory]
    [InlineData("\"status\": 200", "\"status\": \"200\"", "$.log.entries[0].response.status", "expected a whole number")]
    [InlineData("\"time\": 1,", "\"time\": \"NaN\",", "$.log.entries[0].time", "expected a number")]
    [InlineData("\"time\": 1,", "\"time\": \"Infinity\",", "$.log.entries[0].time", "expected a number")]
    [InlineData("\"time\": 1,", "\"time\": \"1\",", "$.log.entries[0].time", "expected a number")]
    [InlineData("\"time\": 1,", "\"time\": 1, \"timings\": {\"send\": 0, \"wait\": \"5\", \"receive\": 0},", "$.log.entries[0].timings.wait", "expected a number")]
    [InlineData("\"mimeType\": \"text/plain\",", "\"mimeType\": \"text/plain\", \"size\": \"2\",", "$.log.entries[0].response.content.size", "expected a whole number")]
    public void Import_NumberWrittenAsAString_RefusedWithFileLinePathAndWhatWasExpected(string valid, string hostile, string jsonPath, string expected)
    {
        var path = Write(With("method", "\"GET\"").Replace(valid, hostile, StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.StartsWith($"{path}:", error.Message, StringComparison.Ordinal);
        Assert.Contains($" at {jsonPath}: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(expected, error.Message, StringComparison.Ordinal);
    }

    // HAR 1.2 says an empty version means 1.1; browsers write "1.2", Fiddler "1.1". Another number is
    // a format this reader does not know, whatever else in the file looks familiar.
    [Theory]
    [InlineData("\"9.9\"", "is \"9.9\"; expected \"1.2\" or \"1.1\"")]
    [InlineData("\"2.0\"", "is \"2.0\"; expected \"1.2\" or \"1.1\"")]
    [InlineData("\"1.2\\r\\n\"", "is \"1.2\\x0d\\x0a\"; expected \"1.2\" or \"1.1\"")]
    [InlineData("12", "expected a string")]
    public void Import_UnknownLogVersion_RefusedWithFileLineAndPath(string version, string reason)
    {
        var path = Write(With("method", "\"GET\"").Replace("\"version\": \"1.2\"", $"\"version\": {version}", StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.StartsWith($"{path}:3 at $.log.version: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\": \"1.2\",")]
    [InlineData("\"version\": \"1.1\",")]
    [InlineData("\"version\": \"\",")]
    [InlineData("")]
    public void Import_LogVersionsToolsWrite_Imports(string version)
    {
        var path = Write(With("method", "\"GET\"").Replace("\"version\": \"1.2\",", version, StringComparison.Ordinal));

        Assert.Single(Har.Import(path));
    }

    [Fact]
    public void Import_ValidTemplateAndBrowserVersions_Imports()
    {
        foreach (var version in (string[])["\"HTTP/1.1\"", "\"h3\"", "\"\""])
        {
            var flow = Assert.Single(Har.Import(Write(With("request_version", version))));
            Assert.Equal("HTTP/1.1", flow.Request.HttpVersion);
        }

        // Every spelling of HTTP/2 that tools write keeps HTTP/2, so replay answers an h2 client over h2.
        foreach (var version in (string[])["\"http/2.0\"", "\"HTTP/2\"", "\"h2\""])
        {
            var flow = Assert.Single(Har.Import(Write(With("request_version", version))));
            Assert.Equal("HTTP/2.0", flow.Request.HttpVersion);
        }
    }

    [Theory]
    [MemberData(nameof(Fields))]
    public void Import_HostileField_RefusedWithFileLinePathAndReason(string field, string value, string jsonPath, string reason)
    {
        var path = Write(With(field, value));

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.StartsWith($"{path}:", error.Message, StringComparison.Ordinal);
        Assert.Contains($" at {jsonPath}", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""{"log":{"entries":[null]}}""", "at $.log.entries[0]: expected an entry object, got null")]
    [InlineData("""{"log":{"entries":[],"entries":[]}}""", "uplicate")]
    [InlineData("[]", "at $: expected a HAR 1.2 file: expected an object")]
    [InlineData("""{"log":{"entries":[{"request":{"method":"GET","url":"http://a/","headers":[{"name":"X","value":"\udc00"}]},"response":{"status":200,"headers":[]}}]}}""", "at $.log.entries[0].request.headers[0].value: expected a HAR 1.2 file: expected text (an escape is not valid UTF-16")]
    public void Import_BrokenStructure_OneLineError(string json, string words)
    {
        var path = Write(json);

        var error = Assert.Throws<CassetteFormatException>(() => Har.Import(path));

        Assert.Contains(words, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static string With(string field, string value)
    {
        var defaults = new Dictionary<string, string>
        {
            ["method"] = "\"GET\"",
            ["url"] = "\"http://example.com/a\"",
            ["request_version"] = "\"HTTP/1.1\"",
            ["request_header"] = """{"name": "Accept", "value": "*/*"}""",
            ["status"] = "200",
            ["status_text"] = "\"OK\"",
            ["response_header"] = """{"name": "Content-Type", "value": "text/plain"}""",
        };
        var text = Template;
        foreach (var (name, standard) in defaults)
        {
            text = text.Replace($"@{name}@", name == field ? value : standard, StringComparison.Ordinal);
        }

        return text;
    }

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"h{Guid.NewGuid():N}.har");
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
