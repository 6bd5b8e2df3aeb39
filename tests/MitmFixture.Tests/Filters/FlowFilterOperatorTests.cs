using MitmFixture.Filters;

namespace MitmFixture.Tests.Filters;

/// <summary>
/// Each operator's match and non-match. Cases on the tflow fixtures are ported from mitmproxy's
/// test/mitmproxy/test_flowfilter.py (TestMatchingHTTPFlow, TestMatchingWebSocketFlow), with the
/// test they come from named in the comment; the rest run on realistic flows (see FilterFlows).
/// </summary>
public sealed class FlowFilterOperatorTests
{
    public static TheoryData<string, string, bool> FlowKinds => new()
    {
        // test_http, test_websocket, test_handshake; TestMatchingDummyFlow for ~all.
        { "~http", "tflow", true },
        { "~tcp", "tflow", false },
        { "~udp", "tflow", false },
        { "~dns", "tflow", false },
        { "~all", "tflow", true },
        { "~all", "errored", true },
        { "~websocket", "websocket", true },
        { "~http", "websocket", true },
        { "~tcp", "websocket", false },
        { "~websocket", "tflow", false },
        { "~websocket", "tflow-resp", false },
    };

    public static TheoryData<string, string, bool> FlowStates => new()
    {
        // test_freq_fresp, test_ferr
        { "~q", "tflow", true },
        { "~q", "tflow-resp", false },
        { "~s", "tflow", false },
        { "~s", "tflow-resp", true },
        { "~e", "tflow-err", true },
        { "~e", "tflow", false },
        // An errored flow has no response, so it is also a request without response (not f.response).
        { "~e", "errored", true },
        { "~q", "errored", true },
        { "~s", "errored", false },
        // test_fmarked, test_fmarker_char
        { "~marked", "tflow", false },
        { "~marked", "replayed", true },
        { "~marker X", "replayed", false },
        { "~marker X", "marked-x", true },
        { "~marker default", "replayed", true },
        // test_replay
        { "~replay", "tflow", false },
        { "~replay", "client-replayed", true },
        { "~replayq", "client-replayed", true },
        { "~replays", "client-replayed", false },
        { "~replay", "replayed", true },
        { "~replayq", "replayed", false },
        { "~replays", "replayed", true },
    };

    public static TheoryData<string, string, bool> ContentTypes => new()
    {
        // test_asset: no Content-Type in tflow's response.
        { "~a", "tflow-resp", false },
        { "~a", "tflow", false },
        { "~a", "image", true },
        { "~a", "not-found", false },
        // Media types ignore case (RFC 9110 §8.3.1); here ~a does too, like every operator.
        { "~a", "css", true },
        // test_fcontenttype
        { "~t content", "tflow", false },
        { "~t content", "tflow-resp", false },
        { "~t json", "post-json", true },
        { "~tq json", "post-json", true },
        { "~ts json", "post-json", true },
        { "~t JSON", "post-json", true },
        { "~tq form", "form-post", true },
        { "~ts form", "form-post", false },
        { "~t form", "form-post", true },
        { "~ts html", "not-found", true },
        { "~tq html", "not-found", false },
        { "~ts ^image/png$", "image", true },
    };

    public static TheoryData<string, string, bool> Headers => new()
    {
        // test_head
        { "~h nonexistent", "tflow", false },
        { "~h qvalue", "tflow", true },
        { "~h header", "tflow", true },
        { "~h 'header: qvalue'", "tflow", true },
        { "~h 'header: qvalue'", "tflow-resp", true },
        { "~h 'header-response: svalue'", "tflow-resp", true },
        { "~hq 'header: qvalue'", "tflow-resp", true },
        { "~hq 'header-response: svalue'", "tflow-resp", false },
        { "~hq 'header: qvalue'", "tflow", true },
        { "~hq 'header-request: svalue'", "tflow", false },
        { "~hs 'header: qvalue'", "tflow-resp", false },
        { "~hs 'header-response: svalue'", "tflow-resp", true },
        { "~hs 'header: qvalue'", "tflow", false },
        // Lines are "name: value\r\n", searched multi-line: ^ and $ work per line (test_inherited_flags_are_kept).
        { "~hq '^content-length: 7\\r?$'", "tflow", true },
        { "~hq '^qvalue'", "tflow", false },
        { @"~hq HEADER:\s+QVALUE", "tflow", true },
        { "~hs 'set-cookie: session=abc'", "form-post", true },
        { "~hq user-agent:.curl", "get-query", true },
    };

    public static TheoryData<string, string, bool> Bodies => new()
    {
        // test_body / match_body, plain and gzipped: bodies are searched decoded.
        { "~b nonexistent", "tflow", false },
        { "~b content", "tflow", true },
        { "~b message", "tflow-resp", true },
        { "~bq nomatch", "tflow-resp", false },
        { "~bq content", "tflow", true },
        { "~bq content", "tflow-resp", true },
        { "~bq message", "tflow", false },
        { "~bq message", "tflow-resp", false },
        { "~bs nomatch", "tflow-resp", false },
        { "~bs content", "tflow", false },
        { "~bs content", "tflow-resp", false },
        { "~bs message", "tflow", false },
        { "~bs message", "tflow-resp", true },
        { "~b content", "tflow-gzip", true },
        { "~bq content", "tflow-resp-gzip", true },
        { "~bs message", "tflow-resp-gzip", true },
        { "~bs beta", "json-gzip", true },
        // match_body's non-ASCII bodies: the pattern's UTF-8 bytes are searched in the body's bytes.
        { "~bs 测试", "unicode", true },
        { "~bs θεός", "unicode", true },
        { "~bs Äÿ", "unicode", true },
        // Python folds case of bytes patterns for ASCII only, so Cyrillic case differs there as here.
        { "~bs привет", "unicode", false },
        // Bytes patterns see bytes: \x89 is the PNG signature's first byte.
        { @"~bs \x89PNG", "image", true },
        // DOTALL: '.' crosses line breaks in bodies (test_inherited_flags_are_kept).
        { "~bq 'one.line'", "multiline-body", true },
        { "~bq sku.:.abc-123", "post-json", true },
        { "~bq password=s3cr3t", "form-post", true },
        { "~bs '\"status\":\"created\"'", "post-json", true },
        // TestMatchingWebSocketFlow.test_body: messages are searched one by one, by direction.
        { "~b hello", "websocket", true },
        { "~b me", "websocket", true },
        { "~b nonexistent", "websocket", false },
        { "~bq hello", "websocket", true },
        { "~bq me", "websocket", false },
        { "~bs me", "websocket", true },
        { "~bs hello", "websocket", false },
    };

    public static TheoryData<string, string, bool> RequestLine => new()
    {
        // test_method
        { "~m get", "tflow", true },
        { "~m GET", "tflow", true },
        { "~m post", "tflow", false },
        { "~m ^p", "post-json", true },
        // test_domain; ~d also searches the Host header's host (mitmproxy#2150).
        { "~d address", "tflow", true },
        { "~d none", "tflow", false },
        { "~d example.com", "websocket", true },
        { "~d EXAMPLE", "get-query", true },
        { @"~d ^api\.example\.com$", "get-query", true },
        { "~d example.com|shop.test", "form-post", true },
        { "~d internal.example", "reverse", true },
        { "~d 10.0.0.1", "reverse", true },
        // test_url; ~u searches pretty_url, which takes the Host header's host.
        { "~u address", "tflow", true },
        { "~u address:22/path", "tflow", true },
        { "~u moo/path", "tflow", false },
        { "~u address", "tflow-resp", true },
        { "~u address:22/path", "tflow-resp", true },
        { "~u example.com/ws", "websocket", true },
        { "~u moo/path", "websocket", false },
        { "~u q=widgets", "get-query", true },
        { "~u ^https://api", "get-query", true },
        { "~u :443", "get-query", false },
        { "~u ^http://address:22/path$", "tflow", true },
        { "~u internal.example/status", "reverse", true },
        { "~u 10.0.0.1", "reverse", false },
        // A bare regex is ~u (test_match: not match("foobar", tflow())).
        { "address", "tflow", true },
        { "foobar", "tflow", false },
        // test_code
        { "~c 200", "tflow", false },
        { "~c 200", "tflow-resp", true },
        { "~c 201", "tflow-resp", false },
        { "~c 404", "not-found", true },
        { "~c 0", "tflow", false },
    };

    public static TheoryData<string, string, bool> Addresses => new()
    {
        // test_src, test_dst: "host:port" strings, IPv6 without brackets as Python prints the tuple.
        { "~src 127.0.0.1", "tflow", true },
        { "~src foobar", "tflow", false },
        { "~src :22", "tflow", true },
        { "~src :99", "tflow", false },
        { "~src 127.0.0.1:22", "tflow", true },
        { "~src ^::1:5000$", "ipv6", true },
        { "~dst address", "tflow", true },
        { "~dst foobar", "tflow", false },
        { "~dst :22", "tflow", true },
        { "~dst :99", "tflow", false },
        { "~dst address:22", "tflow", true },
        { "~dst api.example.com:443", "get-query", true },
        { "~dst ^::1:8080$", "ipv6", true },
    };

    public static TheoryData<string, string, bool> Annotations => new()
    {
        // test_metadata: "key: str(value)" lines, dicts as Python prints them.
        { "~meta a", "meta", true },
        { "~meta no", "meta", false },
        { "~meta string", "meta", true },
        { "~meta key", "meta", true },
        { "~meta value", "meta", true },
        { "~meta \"b: string\"", "meta", true },
        { "~meta \"'key': 'value'\"", "meta", true },
        { "~meta '^b: string$'", "meta", true },
        { "~meta 'flag: True'", "meta-types", true },
        { "~meta 'missing: None'", "meta-types", true },
        { "~meta 'ratio: 1.0$'", "meta-types", true },
        { @"~meta ""tags: \\['x', 2\\]""", "meta-types", true },
        { "~meta a", "tflow", false },
        // TestMatchingDummyFlow: ~comment on an empty and a set comment; multi-line.
        { "~comment .", "tflow", false },
        { "~comment .", "replayed", true },
        { "~comment ^from", "replayed", true },
        { "~comment RECORDED", "replayed", true },
    };

    [Theory]
    [MemberData(nameof(FlowKinds))]
    [MemberData(nameof(FlowStates))]
    [MemberData(nameof(ContentTypes))]
    [MemberData(nameof(Headers))]
    [MemberData(nameof(Bodies))]
    [MemberData(nameof(RequestLine))]
    [MemberData(nameof(Addresses))]
    [MemberData(nameof(Annotations))]
    public void Matches_Operator_AgreesWithMitmproxy(string expression, string flow, bool expected) =>
        Assert.Equal(expected, FlowFilter.Parse(expression).Matches(FilterFlows.Get(flow)));
}
