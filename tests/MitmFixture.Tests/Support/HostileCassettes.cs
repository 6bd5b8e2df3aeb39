namespace MitmFixture.Tests.Support;

/// <summary>
/// A one-flow cassette with one field swapped for a hostile value, for the load-time checks
/// (Cassettes/CassetteValidator.cs): every field that reaches a message head, and the structural
/// cases (<c>null</c> flows, duplicate keys). Each placeholder sits on its own line, so the line an
/// error must name is the placeholder's.
/// </summary>
public static class HostileCassettes
{
    private const string Template = """
        {
          "version": 1,
          "flows": [
            {
              "id": "f1",
              "request": {
                "method": @method@,
                "scheme": "http",
                "host": @host@,
                "port": @port@,
                "path": @path@,
                "http_version": @request_version@,
                "headers": [
                  "Host: @authority@",
                  @request_header@
                ]@request_trailers@
              },
              "response": {
                "status_code": @status@,
                "reason": @reason@,
                "http_version": @response_version@,
                "headers": [
                  "Content-Type: text/plain",
                  @response_header@
                ],
                "body": { "text": "recorded" }
              }@web_socket@
            }
          ]
        }
        """;

    /// <summary>Field, hostile JSON value, JSON path the error must name, words the reason must contain.</summary>
    public static TheoryData<string, string, string, string> Fields => new()
    {
        { "request_header", "\"X-Test: plain\\r\\nX-Injected: 1\"", "$.flows[0].request.headers[1]", "a CR (0x0D)" },
        { "request_header", "\"X-Test: plain\\nX-Injected: 1\"", "$.flows[0].request.headers[1]", "an LF (0x0A)" },
        { "request_header", "\"X-Test: pl\\u0000ain\"", "$.flows[0].request.headers[1]", "a NUL (0x00)" },
        { "request_header", "\"X-Test: pl\\u0001ain\"", "$.flows[0].request.headers[1]", "a control character (0x01)" },
        { "request_header", "\"X Test: plain\"", "$.flows[0].request.headers[1]", "header name \"X Test\" has a space" },
        { "request_header", "\"X-Test\\r\\nX-Injected: 1\"", "$.flows[0].request.headers[1]", "header name" },
        { "request_header", "null", "$.flows[0].request.headers[1]", "got null" },
        { "request_trailers", ", \"trailers\": [\"X-Sum: 1\\r\\nX-Injected: 1\"]", "$.flows[0].request.trailers[0]", "a CR (0x0D)" },
        { "response_header", "\"X-Answer: plain\\r\\nSet-Cookie: evil=1\"", "$.flows[0].response.headers[1]", "a CR (0x0D)" },
        { "method", "\"GET /evil HTTP/1.1\\r\\nX: y\"", "$.flows[0].request.method", "the method has a space" },
        { "method", "\"GE\\rT\"", "$.flows[0].request.method", "a CR (0x0D)" },
        { "method", "\"\"", "$.flows[0].request.method", "the method is empty" },
        { "path", "\"/ok HTTP/1.1\\r\\nX-Smuggled: 1\\r\\n\\r\\nGET /x\"", "$.flows[0].request.path", "the path has a space" },
        { "path", "\"/ok\\r\\nX: 1\"", "$.flows[0].request.path", "a CR (0x0D)" },
        { "path", "\"/ok\\u0000\"", "$.flows[0].request.path", "a NUL (0x00)" },
        { "host", "\"127.0.0.1\\r\\nX-Injected: 1\"", "$.flows[0].request.host", "the host has a CR (0x0D)" },
        { "host", "\"evil.example/path\"", "$.flows[0].request.host", "'/'" },
        { "host", "\"127.0.0.1:18555\"", "$.flows[0].request.host", "the host has ':' at offset 9; expected a host name or IP address (the port goes in \"port\")" },
        { "host", "\"[::1::zz\"", "$.flows[0].request.host", "has ':'" },
        { "host", "\"ex\\u0430mple.com\"", "$.flows[0].request.host", "the host has 'а' (U+0430), past U+00FF: a message head is Latin-1 bytes at offset 2; write a name past ASCII in its IDNA form" },
        { "port", "0", "$.flows[0].request.port", "the port is 0; expected 1 to 65535" },
        { "port", "65536", "$.flows[0].request.port", "the port is 65536" },
        { "request_version", "\"HTTP/1.1\\r\\nX-Injected: 1\"", "$.flows[0].request.http_version", "the HTTP version is \"HTTP/1.1\\x0d\\x0aX-Injected: 1\"" },
        { "request_version", "\"HTTP/3.0\"", "$.flows[0].request.http_version", "expected \"HTTP/1.1\", \"HTTP/1.0\" or \"HTTP/2.0\"" },
        { "response_version", "\"SPDY/3\"", "$.flows[0].response.http_version", "the HTTP version is \"SPDY/3\"" },
        { "status", "99", "$.flows[0].response.status_code", "the status code is 99; expected 100 to 999" },
        { "status", "1000", "$.flows[0].response.status_code", "the status code is 1000" },
        { "reason", "\"OK\\r\\nSet-Cookie: evil=1\"", "$.flows[0].response.reason", "the reason phrase has a CR (0x0D)" },
        { "reason", "\"OK\\u0007\"", "$.flows[0].response.reason", "a control character (0x07)" },

        // Past U+00FF: the writer would send another byte ('?', or a look-alike: '／' as '/'), so what a reviewer reads is not what goes out.
        { "request_header", "\"X-Test: a\\uff1b b\"", "$.flows[0].request.headers[1]", "'；' (U+FF1B), past U+00FF" },
        { "response_header", "\"Set-Cookie: a=b\\uff1b Domain\\uff1devil.com\"", "$.flows[0].response.headers[1]", "(U+FF1B), past U+00FF" },
        { "path", "\"/a\\uff0f..\\uff0fb\"", "$.flows[0].request.path", "the path has '／' (U+FF0F), past U+00FF: a message head is Latin-1 bytes at offset 2; percent-encode it" },
        { "path", "\"/a\\u4e2db=1\"", "$.flows[0].request.path", "(U+4E2D)" },
        { "reason", "\"O\\uff2b\"", "$.flows[0].response.reason", "(U+FF2B)" },

        // An interim answer as the recorded one leaves the client waiting for the final answer.
        { "status", "100", "$.flows[0].response.status_code", "the status code is 100, an interim answer" },
        { "status", "199", "$.flows[0].response.status_code", "an interim answer" },

        // A close no peer may send (RFC 6455 §7.4): 1005 and 1006 are for a close without a code or a frame, never on the wire.
        { "web_socket", ", \"web_socket\": { \"close_code\": 1006 }", "$.flows[0].web_socket.close_code", "the close code is 1006; expected one an endpoint may send (1000-1003, 1007-1014, 3000-4999; RFC 6455 §7.4), or 1005 for a close frame without a code" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 1015 }", "$.flows[0].web_socket.close_code", "the close code is 1015" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 1004 }", "$.flows[0].web_socket.close_code", "the close code is 1004" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 999 }", "$.flows[0].web_socket.close_code", "the close code is 999" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 2999 }", "$.flows[0].web_socket.close_code", "the close code is 2999" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 5000 }", "$.flows[0].web_socket.close_code", "the close code is 5000" },
        { "web_socket", ", \"web_socket\": { \"close_code\": -1 }", "$.flows[0].web_socket.close_code", "the close code is -1" },
        { "web_socket", $", \"web_socket\": {{ \"close_code\": 1000, \"close_reason\": \"{string.Concat(Enumerable.Repeat("\\u00e9", 62))}\" }}", "$.flows[0].web_socket.close_reason", "the close reason is 124 bytes of UTF-8; expected at most 123" },
        { "web_socket", ", \"web_socket\": { \"close_code\": 1005, \"close_reason\": \"bye\" }", "$.flows[0].web_socket.close_reason", "a close reason without a close code" },
        { "web_socket", ", \"web_socket\": { \"close_reason\": \"bye\" }", "$.flows[0].web_socket.close_reason", "a close reason without a close code" },
    };

    /// <summary>Whole documents that are not cassettes in shape, and a word their one-line error must contain.</summary>
    public static TheoryData<string, string> Structures => new()
    {
        { """{"version":1,"flows":[null]}""", "at $.flows[0]: expected a flow object, got null" },
        { """{"version":1,"flows":null}""", "flows" },
        { """{"version":1,"flows":[{}]}""", "missing required properties" },
        { """{"version":1,"flows":[1]}""", "at $.flows[0]" },
        { """{"version":1,"flows":[{"id":"a","request":null}]}""", "request" },
        { """{"version":1,"flows":[],"flows":[]}""", "uplicate" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","method":"POST","scheme":"http","host":"h","port":80,"path":"/"}}]}""", "uplicate" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":80,"path":"/","headers":[null]}}]}""", "at $.flows[0].request.headers[0]: expected a \"Name: value\" string, got null" },

        // A value of the wrong type is named in the file's words, not as the .NET record that holds it.
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":"80","path":"/"}}]}""", "at $.flows[0].request.port: expected a whole number" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":5,"scheme":"http","host":"h","port":80,"path":"/"}}]}""", "at $.flows[0].request.method: expected a string" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":80,"path":"/","timestamp_start":"soon"}}]}""", "at $.flows[0].request.timestamp_start: expected a date and time" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":80,"path":"/","headers":["X-A: 1"],"http_version":null}}]}""", "null" },
        // A string of the wrong kind is named as one, not in the words for an array element ("expected an object").
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":80,"path":"/","headers":[5]}}]}""", "at $.flows[0].request.headers[0]: expected a string" },
        { """{"version":1,"flows":[{"id":"a","request":{"method":"GET","scheme":"http","host":"h","port":80,"path":"/","headers":["X-A: \ud800"]}}]}""", "at $.flows[0].request.headers[0]: expected text (an escape is not valid UTF-16" },
        { "null", "version" },
        { "[]", "version" },
        { "", "" },
    };

    /// <summary>The cassette with every field valid, answering for <paramref name="port"/> on 127.0.0.1.</summary>
    public static string Valid(int port = 8080) => With(port, field: "", value: "");

    /// <summary>The cassette with <paramref name="field"/> replaced by the raw JSON <paramref name="value"/>.</summary>
    public static string With(int port, string field, string value)
    {
        var defaults = new Dictionary<string, string>
        {
            ["method"] = "\"GET\"",
            ["host"] = "\"127.0.0.1\"",
            ["port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["path"] = "\"/ok\"",
            ["request_version"] = "\"HTTP/1.1\"",
            ["request_header"] = "\"X-Test: plain\"",
            ["request_trailers"] = "",
            ["status"] = "200",
            ["reason"] = "\"OK\"",
            ["response_version"] = "\"HTTP/1.1\"",
            ["response_header"] = "\"X-Answer: plain\"",
            ["web_socket"] = "",
        };
        var text = Template.Replace("@authority@", $"127.0.0.1:{port}", StringComparison.Ordinal);
        foreach (var (name, standard) in defaults)
        {
            text = text.Replace($"@{name}@", name == field ? value : standard, StringComparison.Ordinal);
        }

        return text.ReplaceLineEndings("\n");
    }

    /// <summary>The 1-based line of <paramref name="field"/>'s placeholder: where its error must point.</summary>
    public static int LineOf(string field) =>
        1 + Template.ReplaceLineEndings("\n").Split('\n').TakeWhile(line => !line.Contains($"@{field}@", StringComparison.Ordinal)).Count();
}
