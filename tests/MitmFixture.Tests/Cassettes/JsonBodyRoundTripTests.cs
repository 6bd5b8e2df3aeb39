using System.Text;
using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// The writer's promise to its own loader: whatever a JSON-typed body is, the cassette written for it
/// loads and gives the same bytes back. Embedded JSON is only one way to store it; text and base64 are the others.
/// </summary>
public sealed class JsonBodyRoundTripTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-jsonbody-").FullName;

    /// <summary>Bodies a JSON parser and a JSON writer can disagree on.</summary>
    public static TheoryData<string> AwkwardBodies
    {
        get
        {
            var data = new TheoryData<string>
            {
                "{\"a\":1,\"a\":2}", "{\"x\":{\"y\":1,\"y\":1}}", "[{\"a\":1,\"a\":1}]",
                "null", "true", "false", "0", "42", "\"s\"", "\"\"", "[]", "{}", "[null]", "{\"a\":null}",
                "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"\\ud800\":1}", "[\"\\ud800\\ud800\"]", "\"\\ud83d\\ude00\"", "\"\\ud83d\"",
                "123456789012345678901234567890", "-0", "-0.0", "1E400", "-1e400", "1e-400", "0.1", "1.0", "1E2", "1e+2",
                " {\"a\":1}", "{\"a\":1} ", "{\"a\": 1}", "{\"a\":1}\n", "\t[]", "\r\n{}",
                "{\"a\":1}x", "{\"a\":1}{\"b\":2}", "nul", "[1,]", "{\"a\":1,}", "'a'", "{\"a\":1} // c",
                "\"\\u00e4\"", "\"\u00e4\"", "\"\\/\"", "\"<>&\"", "\"\\u003c\"", "\"\\\"'\"", "\"\\u0000\"", "\"\\u001f\"",
                "\"\\b\\f\\n\\r\\t\"", "\"\\u2028\"", "\"\\uffff\"", "\"\\uFFFD\"", "\"\\u00E4\"",
                "\ufeff{\"a\":1}",
            };
            foreach (var depth in (int[])[57, 58, 59, 60, 61, 63, 64, 65, 200])
            {
                data.Add(new string('[', depth) + new string(']', depth));
                data.Add(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(AwkwardBodies))]
    public void SaveThenLoad_AwkwardJsonBody_LoadsWithTheSameBytes(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var path = Path.Combine(_directory, "c.json");
        Cassette.Save(path, [JsonExchange(bytes)]);

        var loaded = Assert.Single(Cassette.Load(path).Flows);

        Assert.Equal(bytes, loaded.Request.Body);
        Assert.Equal(bytes, loaded.Response!.Body);
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("null")]
    public void Encode_JsonTheLoaderRefuses_StoredAsText(string body)
    {
        var record = BodyCodec.Encode(HttpResponse.Create(200, Encoding.UTF8.GetBytes(body), ("Content-Type", "application/json")));

        Assert.Null(record!.Json);
        Assert.Equal(Encoding.UTF8.GetBytes(body), record.Text);
    }

    [Theory]
    [InlineData("{ \"json\": {\"a\":1,\"a\":2} }", "Duplicate property 'a'")]
    [InlineData("{ \"json\": null }", "expected exactly one of \"text\", \"json\" or \"base64\"")]
    public void Load_BodyAnOldWriterEmbedded_OneLineErrorNamingFileAndLine(string body, string reason)
    {
        var path = Path.Combine(_directory, "old.json");
        File.WriteAllText(path, OldCassette.Replace("@body@", body, StringComparison.Ordinal));

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(path));

        Assert.StartsWith($"{path}:15 at $.flows[0].response.body", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static Flow JsonExchange(byte[] body)
    {
        var flow = new Flow(HttpRequest.Create("POST", "http://a.test/echo", body, ("Host", "a.test"), ("Content-Type", "application/json")));
        flow.Response = HttpResponse.Create(200, body, ("Content-Type", "application/json"));
        return flow;
    }

    private const string OldCassette = """
        {
          "version": 4,
          "flows": [
            {
              "id": "f1",
              "request": {
                "method": "GET",
                "scheme": "http",
                "host": "a.test",
                "port": 80,
                "path": "/",
                "headers": ["Host: a.test"]
              },
              "response": { "status_code": 200, "reason": "OK", "headers": ["Content-Type: application/json"],
                "body": @body@
              }
            }
          ]
        }
        """;
}
