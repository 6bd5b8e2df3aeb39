using System.Text;
using System.Text.Json.Nodes;
using MitmFixture.Replay.Drift;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay.Drift;

/// <summary>Snapshot bodies through the content layer.</summary>
public sealed class TrafficNormalizerTests
{
    private static readonly TrafficScrubOptions Options = new();

    [Fact]
    public void Normalize_JsonWithUtf8ByteOrderMark_IsJsonNotText()
    {
        var flow = TestFlows.Get("http://api.test/x").Respond(200, [0xEF, 0xBB, 0xBF, .. "{\"a\":1}"u8], ("Content-Type", "application/vnd.api+json"));

        var body = Normalize(flow)["response_body"];

        Assert.IsType<JsonObject>(body);
        Assert.Equal(1, (int)body!["a"]!);
    }

    [Fact]
    public void Normalize_DeclaredLegacyCharset_IsText()
    {
        var flow = TestFlows.Get("http://api.test/x").Respond(200, Encoding.Latin1.GetBytes("caf\u00e9"), ("Content-Type", "text/plain; charset=iso-8859-1"));

        Assert.Equal("café", (string?)Normalize(flow)["response_body"]);
    }

    [Fact]
    public void Normalize_Binary_IsSizeAndHash()
    {
        var flow = TestFlows.Get("http://api.test/x").Respond(200, [0xFF, 0x00, 0xFE, 0x01], ("Content-Type", "application/octet-stream"));

        Assert.StartsWith("<4 bytes, sha256 ", (string?)Normalize(flow)["response_body"], StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_MultipartWithQuotedBoundary_BoundaryHiddenInHeaderAndBody()
    {
        var flow = TestFlows.Send("POST", "http://api.test/x", "--r4nd0m\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--r4nd0m--\r\n", "multipart/form-data; boundary=\"r4nd0m\"");

        var normalized = Normalize(flow);
        var text = string.Join("\n", normalized["request_headers"]!.AsArray().Select(h => (string?)h)) + "\n" + (string?)normalized["request_body"];

        Assert.DoesNotContain("r4nd0m", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: multipart/form-data; boundary=<boundary>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_GrpcCall_ShowsItsMessagesAndTheStatusTrailers()
    {
        var flow = TestFlows.Send("POST", "https://api.test/greet.Greeter/SayHello", "", "application/grpc").Respond(200, [], ("content-type", "application/grpc"));
        flow.Response!.Trailers = new MitmFixture.Http.HttpHeaders([("grpc-status", "5"), ("grpc-message", "no such person")]);
        flow.Grpc = new MitmFixture.Flows.GrpcData();
        flow.Grpc.Add(new MitmFixture.Flows.GrpcMessage(true, false, [0x0a, 1, 0x41], TestFlows.Start));

        var normalized = Normalize(flow);

        Assert.Equal(["grpc-status: 5", "grpc-message: no such person"], normalized["response_trailers"]!.AsArray().Select(h => (string?)h));
        Assert.Equal(["client: CgFB"], normalized["grpc"]!.AsArray().Select(m => (string?)m));
        Assert.Null(normalized["request_trailers"]);
    }

    private static JsonObject Normalize(MitmFixture.Flows.Flow flow) => TrafficNormalizer.Normalize(flow, Options);
}
