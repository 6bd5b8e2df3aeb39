using System.Text;
using MitmFixture.Addons;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Tests.Replay;

/// <summary>Matching cases ported from mitmproxy's test/mitmproxy/addons/test_serverplayback.py, one knob at a time.</summary>
public sealed class ReplayStoreTests
{
    private static Flow Recorded(string method, string url, string? body = null, string? contentType = null, string answer = "ok", params (string, string)[] headers)
    {
        var request = HttpRequest.Create(method, url, body is null ? null : Encoding.UTF8.GetBytes(body), headers);
        if (contentType is not null)
        {
            request.Headers.Set("Content-Type", contentType);
        }

        return new Flow(request) { Response = HttpResponse.Create(200, answer) };
    }

    private static HttpRequest Request(string method, string url, string? body = null, string? contentType = null, params (string, string)[] headers)
    {
        var request = HttpRequest.Create(method, url, body is null ? null : Encoding.UTF8.GetBytes(body), headers);
        if (contentType is not null)
        {
            request.Headers.Set("Content-Type", contentType);
        }

        return request;
    }

    private static bool Matches(ServerReplayOptions options, Flow recorded, HttpRequest request) =>
        new ReplayStore([recorded], options).TryTake(request, out _);

    [Fact]
    public void Default_MatchesSchemeMethodHostPortPathQueryAndBody_NotHeaders()
    {
        var recorded = Recorded("GET", "http://a.test/p?x=1", headers: ("User-Agent", "one"));

        Assert.True(Matches(new(), recorded, Request("get", "http://a.test/p?x=1", headers: ("User-Agent", "two"))));
        Assert.False(Matches(new(), recorded, Request("GET", "https://a.test/p?x=1")));
        Assert.False(Matches(new(), recorded, Request("GET", "http://b.test/p?x=1")));
        Assert.False(Matches(new(), recorded, Request("GET", "http://a.test:81/p?x=1")));
        Assert.False(Matches(new(), recorded, Request("GET", "http://a.test/q?x=1")));
        Assert.False(Matches(new(), recorded, Request("GET", "http://a.test/p?x=2")));
        Assert.False(Matches(new(), recorded, Request("POST", "http://a.test/p?x=1")));
    }

    // A 101 that switched to another protocol (relayed raw) has nothing to play after its head: served,
    // it left the client waiting on an open connection. A WebSocket's 101 plays its conversation.
    [Fact]
    public void SwitchingProtocols_WithoutAWebSocketConversation_IsNotServed()
    {
        var raw = Recorded("GET", "http://a.test/upgrade");
        raw.Response = HttpResponse.Create(101, [], ("Upgrade", "custom"), ("Connection", "Upgrade"));
        var socket = Recorded("GET", "http://a.test/ws");
        socket.Response = HttpResponse.Create(101, [], ("Upgrade", "websocket"), ("Connection", "Upgrade"));
        socket.WebSocket = new WebSocketData();

        Assert.False(Matches(new(), raw, Request("GET", "http://a.test/upgrade")));
        Assert.True(Matches(new(), socket, Request("GET", "http://a.test/ws")));
    }

    [Fact]
    public void QueryPairs_MatchInOrder()
    {
        var recorded = Recorded("GET", "http://a.test/p?a=1&b=2");

        Assert.False(Matches(new(), recorded, Request("GET", "http://a.test/p?b=2&a=1")));
    }

    [Fact]
    public void UseHeaders_MakesNamedHeadersMatter()
    {
        var options = new ServerReplayOptions { UseHeaders = ["foo"] };
        var recorded = Recorded("GET", "http://a.test/", headers: ("foo", "bar"));

        Assert.True(Matches(options, recorded, Request("GET", "http://a.test/", headers: ("Foo", "bar"))));
        Assert.False(Matches(options, recorded, Request("GET", "http://a.test/", headers: ("foo", "baz"))));
        Assert.False(Matches(options, recorded, Request("GET", "http://a.test/")));
    }

    [Fact]
    public void IgnoreContent_BodiesDoNotMatter()
    {
        var recorded = Recorded("POST", "http://a.test/", "foo");

        Assert.False(Matches(new(), recorded, Request("POST", "http://a.test/", "bar")));
        Assert.True(Matches(new() { IgnoreContent = true }, recorded, Request("POST", "http://a.test/", "bar")));
        Assert.True(Matches(new() { IgnoreContent = true }, recorded, Request("POST", "http://a.test/")));
    }

    [Fact]
    public void IgnoreParams_LeavesNamedQueryParametersOut()
    {
        var options = new ServerReplayOptions { IgnoreParams = ["param1", "param2"] };
        var recorded = Recorded("GET", "http://a.test/p?param1=1&param3=3");

        Assert.True(Matches(options, recorded, Request("GET", "http://a.test/p?param1=2&param2=x&param3=3")));
        Assert.False(Matches(options, recorded, Request("GET", "http://a.test/p?param1=1&param3=4")));
    }

    [Fact]
    public void IgnorePayloadParams_UrlencodedForm()
    {
        var options = new ServerReplayOptions { IgnorePayloadParams = ["param1", "param2"] };
        var recorded = Recorded("POST", "http://a.test/", "paramx=x&param1=1", "application/x-www-form-urlencoded");

        Assert.True(Matches(options, recorded, Request("POST", "http://a.test/", "paramx=x&param1=2&param2=y", "application/x-www-form-urlencoded")));
        Assert.False(Matches(options, recorded, Request("POST", "http://a.test/", "paramx=y&param1=1", "application/x-www-form-urlencoded")));
    }

    [Fact]
    public void IgnorePayloadParams_MultipartForm()
    {
        static string Form(string boundary, string param1, string paramx) =>
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"param1\"\r\n\r\n{param1}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"paramx\"\r\n\r\n{paramx}\r\n--{boundary}--\r\n";
        var options = new ServerReplayOptions { IgnorePayloadParams = ["param1"] };
        var recorded = Recorded("POST", "http://a.test/", Form("aaa", "1", "x"), "multipart/form-data; boundary=aaa");

        Assert.True(Matches(options, recorded, Request("POST", "http://a.test/", Form("bbb", "2", "x"), "multipart/form-data; boundary=bbb")));
        Assert.False(Matches(options, recorded, Request("POST", "http://a.test/", Form("ccc", "1", "y"), "multipart/form-data; boundary=ccc")));
    }

    [Fact]
    public void IgnoreHostAndPort()
    {
        var recorded = Recorded("GET", "http://a.test:8080/p");

        Assert.True(Matches(new() { IgnoreHost = true }, recorded, Request("GET", "http://b.test:8080/p")));
        Assert.False(Matches(new() { IgnoreHost = true }, recorded, Request("GET", "http://b.test:9090/p")));
        Assert.True(Matches(new() { IgnorePort = true }, recorded, Request("GET", "http://a.test:9090/p")));
    }

    [Fact]
    public void JsonBody_IgnoredFieldsByPath()
    {
        var options = new ServerReplayOptions { IgnoreJsonFields = ["meta.requestId"] };
        var recorded = Recorded("POST", "http://a.test/", "{\"q\":1,\"meta\":{\"requestId\":\"abc\"}}", "application/json");

        Assert.True(Matches(options, recorded, Request("POST", "http://a.test/", "{\"meta\":{\"requestId\":\"xyz\"},\"q\":1}", "application/json")));
        Assert.False(Matches(options, recorded, Request("POST", "http://a.test/", "{\"meta\":{\"requestId\":\"xyz\"},\"q\":2}", "application/json")));
    }

    [Fact]
    public void WithoutReuse_EachResponseOnceInOrder_WithReuseTheFirstForever()
    {
        Flow[] flows = [Recorded("GET", "http://a.test/", answer: "1"), Recorded("GET", "http://a.test/", answer: "2")];
        var store = new ReplayStore(flows);

        Assert.True(store.TryTake(Request("GET", "http://a.test/"), out var first));
        Assert.True(store.TryTake(Request("GET", "http://a.test/"), out var second));
        Assert.False(store.TryTake(Request("GET", "http://a.test/"), out _));
        Assert.Equal("1", first!.Response!.Text);
        Assert.Equal("2", second!.Response!.Text);

        var reuse = new ReplayStore(flows, new ServerReplayOptions { Reuse = true });
        for (var i = 0; i < 3; i++)
        {
            Assert.True(reuse.TryTake(Request("GET", "http://a.test/"), out var again));
            Assert.Equal("1", again!.Response!.Text);
        }
    }

    [Fact]
    public void FlowsWithoutResponse_AreNotServed()
    {
        var store = new ReplayStore([new Flow(Request("GET", "http://a.test/"))]);

        Assert.False(store.TryTake(Request("GET", "http://a.test/"), out _));
    }

    [Fact]
    public void ChangingOptions_RehashesLoadedFlows()
    {
        var store = new ReplayStore([Recorded("GET", "http://a.test/p?session=1")]);
        Assert.False(store.TryTake(Request("GET", "http://a.test/p?session=2"), out _));

        store.Options = store.Options with { IgnoreParams = ["session"] };

        Assert.True(store.TryTake(Request("GET", "http://a.test/p?session=2"), out _));
    }

    [Theory]
    [InlineData("kill", UnmatchedPolicy.Kill)]
    [InlineData("404", UnmatchedPolicy.NotFound404)]
    [InlineData("forward", UnmatchedPolicy.Forward)]
    public void ParseExtra_MitmproxySpellings(string text, UnmatchedPolicy policy) => Assert.Equal(policy, ServerReplayOptions.ParseExtra(text));

    [Fact]
    public void ParseExtra_Unknown_SaysWhatIsAccepted() =>
        Assert.Contains("expected forward, kill, 204, 400, 404 or 500", Assert.Throws<FormatException>(() => ServerReplayOptions.ParseExtra("302")).Message, StringComparison.Ordinal);

    [Fact]
    public async Task Addon_ExtraPolicyStillAppliesAfterRecordingsAreUsedUp()
    {
        // mitmproxy issue #8363: once every recording was served, unmatched requests went upstream.
        var addon = new ServerReplayAddon(new ReplayStore([Recorded("GET", "http://a.test/")], new ServerReplayOptions { Extra = UnmatchedPolicy.NotFound404 }));
        var first = new Flow(Request("GET", "http://a.test/"));
        var second = new Flow(Request("GET", "http://a.test/"));

        await addon.RequestAsync(first, TestContext.Current.CancellationToken);
        await addon.RequestAsync(second, TestContext.Current.CancellationToken);

        Assert.Equal(200, first.Response!.StatusCode);
        Assert.Equal(404, second.Response!.StatusCode);
    }

    [Fact]
    public void WantsUpstream_FalseForRecordedHosts()
    {
        var addon = new ServerReplayAddon(new ReplayStore([Recorded("GET", "https://a.test/")]));

        Assert.False(addon.WantsUpstreamFor("a.test", 443));
        Assert.True(addon.WantsUpstreamFor("b.test", 443));
    }

    [Fact]
    public void RecordedJsonWithLoneSurrogate_LoadsAndMatchesTheSameBytesOnly()
    {
        var store = new ReplayStore([Recorded("POST", "http://a.test/p", "{\"a\":\"\\ud800\"}", "application/json")], new ServerReplayOptions { Reuse = true });

        Assert.True(store.TryTake(Request("POST", "http://a.test/p", "{\"a\":\"\\ud800\"}", "application/json"), out _));
        Assert.False(store.TryTake(Request("POST", "http://a.test/p", "{\"a\":\"\\udc00\"}", "application/json"), out _));
    }

    [Fact]
    public void RecordedRequestBodyStreamedAndNotKept_MatchesOnEverythingButTheBody()
    {
        var recorded = Recorded("PUT", "http://a.test/upload?x=1");
        recorded.Request.Body = null; // as a cassette's "body": {"streamed": true} loads
        recorded.Request.Stream = true;

        Assert.True(Matches(new ServerReplayOptions(), recorded, Request("PUT", "http://a.test/upload?x=1", new string('x', 5000), "application/octet-stream")));
        Assert.False(Matches(new ServerReplayOptions(), recorded, Request("PUT", "http://a.test/upload?x=2", new string('x', 5000), "application/octet-stream")));
        Assert.False(Matches(new ServerReplayOptions(), recorded, Request("POST", "http://a.test/upload?x=1", new string('x', 5000), "application/octet-stream")));
    }

    [Fact]
    public void RecordedRequestBodyKept_ExactBodyWinsOverAStreamedRecordingOfTheSameRequest()
    {
        var streamed = Recorded("PUT", "http://a.test/upload", answer: "streamed");
        streamed.Request.Body = null;
        streamed.Request.Stream = true;
        var store = new ReplayStore([streamed, Recorded("PUT", "http://a.test/upload", "abc", answer: "kept")]);

        Assert.True(store.TryTake(Request("PUT", "http://a.test/upload", "abc"), out var first));
        Assert.Equal("kept", first!.Response!.Text);
        Assert.True(store.TryTake(Request("PUT", "http://a.test/upload", "abc"), out var second));
        Assert.Equal("streamed", second!.Response!.Text);
    }
}
