using System.Text;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Tests.Replay;

/// <summary>The body part of the match key, through the content layer.</summary>
public sealed class RequestFingerprintTests
{
    private static readonly ServerReplayOptions Options = new();

    private const string Parts = "--{0}\r\nContent-Disposition: form-data; name=\"user\"\r\n\r\nalice\r\n" +
        "--{0}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\u0001\u0002\r\n--{0}--\r\n";

    [Fact]
    public void Multipart_QuotedBoundaryWithSemicolonAndLineFeedsOnly_SameKeyAsCrlfWithAnotherBoundary()
    {
        var recorded = Post(Parts.Replace("{0}", "rec", StringComparison.Ordinal), "multipart/form-data; boundary=rec");
        var live = Post(Parts.Replace("{0}", "live;2", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal), "multipart/form-data; boundary=\"live;2\"");

        Assert.Equal(Key(recorded), Key(live));
    }

    [Fact]
    public void Multipart_DifferentPartContent_DifferentKey() =>
        Assert.NotEqual(
            Key(Post(Parts.Replace("{0}", "a", StringComparison.Ordinal), "multipart/form-data; boundary=a")),
            Key(Post(Parts.Replace("{0}", "b", StringComparison.Ordinal).Replace("alice", "bob", StringComparison.Ordinal), "multipart/form-data; boundary=b")));

    [Fact]
    public void PlusJson_Utf16WithByteOrderMark_SameKeyAsUtf8InAnotherKeyOrder()
    {
        var recorded = Post("{\"b\":1,\"a\":[true]}", "application/problem+json");
        var live = HttpRequest.Create("POST", "http://api.test/x", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{ \"a\": [true], \"b\": 1 }")], ("Content-Type", "application/problem+json; charset=utf-16"));

        Assert.Equal(Key(recorded), Key(live));
    }

    [Fact]
    public void Json_Utf8ByteOrderMark_SameKeyAsWithout() =>
        Assert.Equal(
            Key(Post("{\"a\":1}", "application/json")),
            Key(HttpRequest.Create("POST", "http://api.test/x", [0xEF, 0xBB, 0xBF, .. "{\"a\": 1}"u8], ("Content-Type", "application/json"))));

    [Fact]
    public void TextMentioningJson_ComparedByBytes_NotAsJson() =>
        Assert.NotEqual(
            Key(Post("{\"a\":1}", "text/plain; note=json")),
            Key(Post("{ \"a\": 1 }", "text/plain; note=json")));

    [Fact]
    public void Form_IgnoredParameterInLatin1Charset_Dropped()
    {
        var options = new ServerReplayOptions { IgnorePayloadParams = ["nonce"] };
        var recorded = HttpRequest.Create("POST", "http://api.test/x", Encoding.Latin1.GetBytes("name=Andr\u00e9&nonce=1"), ("Content-Type", "application/x-www-form-urlencoded; charset=iso-8859-1"));
        var live = HttpRequest.Create("POST", "http://api.test/x", Encoding.Latin1.GetBytes("name=Andr\u00e9&nonce=2"), ("Content-Type", "application/x-www-form-urlencoded; charset=iso-8859-1"));

        Assert.Equal(RequestFingerprint.Of(recorded, options).Key, RequestFingerprint.Of(live, options).Key);
        Assert.Contains("name=Andr%C3%A9", RequestFingerprint.Of(recorded, options).Body, StringComparison.Ordinal); // é read as Latin-1, not as U+FFFD
    }

    private static HttpRequest Post(string body, string contentType) =>
        HttpRequest.Create("POST", "http://api.test/x", Encoding.UTF8.GetBytes(body), ("Content-Type", contentType));

    private static string Key(HttpRequest request) => RequestFingerprint.Of(request, Options).Key;

    /// <summary>JSON a canonicaliser can choke on; the key must still come out (from the raw bytes if need be).</summary>
    public static TheoryData<string> AwkwardJson => new()
    {
        "{\"a\":\"\\ud800\"}", "{\"\\udc00\":1}", "[\"\\ud800\\ud800\"]", "{\"a\":1,\"a\":2}", "{\"a\":{\"b\":1,\"b\":1}}",
        "null", "1E400", "-0", "123456789012345678901234567890", "{\"a\":1}x",
        new string('[', 300) + new string(']', 300), string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70),
    };

    [Theory]
    [MemberData(nameof(AwkwardJson))]
    public void Of_AwkwardJsonBody_NeverThrowsAndIsStable(string body)
    {
        foreach (var options in (ServerReplayOptions[])[Options, new ServerReplayOptions { IgnoreJsonFields = ["a", "a.b"] }])
        {
            var key = RequestFingerprint.Of(Post(body, "application/json"), options).Key;

            Assert.Equal(key, RequestFingerprint.Of(Post(body, "application/json"), options).Key);
        }
    }

    [Fact]
    public void Of_LoneSurrogateJson_OtherBytesOtherKey() =>
        Assert.NotEqual(Key(Post("{\"a\":\"\\ud800\"}", "application/json")), Key(Post("{\"a\":\"\\ud801\"}", "application/json")));
}
