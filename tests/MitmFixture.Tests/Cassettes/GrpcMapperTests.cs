using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Http;

namespace MitmFixture.Tests.Cassettes;

/// <summary>gRPC calls in cassettes (GrpcMapper): each message its own entry, older whole-body files split on load, malformed ones refused naming where.</summary>
public sealed class GrpcMapperTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-grpc-cassette-").FullName;

    private string FilePath => Path.Combine(_directory, "calls.json");

    [Fact]
    public void SaveThenLoad_GrpcCall_KeepsEachMessageInOrder_AndRebuildsTheBodies()
    {
        var flow = GrpcFlow();
        var at = DateTimeOffset.Parse("2026-12-07T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        flow.Grpc = new GrpcData();
        flow.Grpc.Add(new GrpcMessage(true, false, [0x0a, 0x01, 0x61], at));
        flow.Grpc.Add(new GrpcMessage(false, true, [0x1f, 0x8b], at.AddMilliseconds(1)));
        flow.Grpc.Add(new GrpcMessage(true, false, [], at.AddMilliseconds(2)));
        flow.Request.Body = Frames((false, [0x0a, 0x01, 0x61]), (false, []));
        flow.Response!.Body = Frames((true, [0x1f, 0x8b]));

        Cassette.Save(FilePath, [flow]);
        var text = File.ReadAllText(FilePath);
        var loaded = Assert.Single(Cassette.Load(FilePath).Flows);

        Assert.Contains("\"version\": 4", text, StringComparison.Ordinal);
        Assert.Contains("\"from\": \"server\",\n            \"compressed\": true,\n            \"base64\": \"H4s=\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"body\"", text, StringComparison.Ordinal); // the messages are the bodies
        Assert.Equal([true, false, true], loaded.Grpc!.Messages.Select(m => m.FromClient));
        Assert.Equal([false, true, false], loaded.Grpc.Messages.Select(m => m.Compressed));
        Assert.Equal(at.AddMilliseconds(1), loaded.Grpc.Messages[1].Timestamp);
        Assert.Equal(flow.Request.Body, loaded.Request.Body);
        Assert.Equal(flow.Response.Body, loaded.Response!.Body);
    }

    [Fact]
    public void Load_Version3GrpcCall_SplitsItsBodiesIntoMessages()
    {
        WriteVersion3(Convert.ToBase64String(Frames((false, [0x0a, 0x03, 0x41, 0x64, 0x61]))), Convert.ToBase64String(Frames((false, [1]), (false, [2]))));

        var flow = Assert.Single(Cassette.Load(FilePath).Flows);

        Assert.Equal([true, false, false], flow.Grpc!.Messages.Select(m => m.FromClient));
        Assert.Equal([0x0a, 0x03, 0x41, 0x64, 0x61], flow.Grpc.Messages[0].Content);
        Assert.Equal([2], flow.Grpc.Messages[2].Content);
    }

    [Theory]
    [InlineData("AAAAAAoBAg==", "$.flows[0].request.body", "the message at offset 0 announces 10 bytes but only 2 follow")] // 00 0000000A 01 02
    [InlineData("AAAAAAEBAAA=", "$.flows[0].request.body", "the body ends 2 bytes into a 5-byte message prefix at offset 6")] // a whole message, then 2 bytes
    [InlineData("AP////8=", "$.flows[0].request.body", "announces 4294967295 bytes, over the 268435456-byte limit")]
    [InlineData("AgAAAAA=", "$.flows[0].request.body", "the compressed flag is 2; expected 0 or 1")]
    public void Load_MalformedGrpcBody_NamesFileWhereAndWhatWasExpected(string requestBody, string where, string problem)
    {
        WriteVersion3(requestBody, "");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath));

        Assert.StartsWith(FilePath + ":", error.Message, StringComparison.Ordinal);
        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains("expected gRPC length-prefixed messages", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"from\": \"proxy\", \"base64\": \"AA==\"}", "$.flows[0].grpc.messages[0].from", "expected \"client\" or \"server\"")]
    [InlineData("{\"from\": \"client\", \"base64\": \"not base64!\"}", "$.flows[0].grpc.messages[0].base64", "expected base64")]
    [InlineData("{\"from\": \"client\"}", "$.flows[0].grpc.messages[0]", "base64")]
    [InlineData("null", "$.flows[0].grpc.messages[0]", "expected a message object")]
    public void Load_MalformedGrpcMessage_NamesWhere(string message, string where, string problem)
    {
        File.WriteAllText(FilePath, "{\"version\": 4, \"flows\": [{\"id\": \"x\", \"request\": {\"method\": \"POST\", \"scheme\": \"https\", \"host\": \"h\", \"port\": 443, \"path\": \"/greet.Greeter/SayHello\", \"http_version\": \"HTTP/2.0\", \"headers\": [\"content-type: application/grpc\"]}, \"grpc\": {\"messages\": [" + message + "]}}]}");

        var error = Assert.Throws<CassetteFormatException>(() => Cassette.Load(FilePath));

        Assert.Contains(where, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private void WriteVersion3(string requestBase64, string responseBase64) =>
        File.WriteAllText(FilePath, "{\"version\": 3, \"flows\": [{\"id\": \"x\", " +
            "\"request\": {\"method\": \"POST\", \"scheme\": \"https\", \"host\": \"h\", \"port\": 443, \"path\": \"/greet.Greeter/SayHello\", \"http_version\": \"HTTP/2.0\", \"headers\": [\"content-type: application/grpc\"], \"body\": {\"base64\": \"" + requestBase64 + "\"}}, " +
            "\"response\": {\"status_code\": 200, \"http_version\": \"HTTP/2.0\", \"headers\": [\"content-type: application/grpc\"], \"body\": {\"base64\": \"" + responseBase64 + "\"}, \"trailers\": [\"grpc-status: 0\"]}}]}");

    private static Flow GrpcFlow()
    {
        var request = new HttpRequest { Method = "POST", Scheme = "https", Host = "h", Port = 443, Path = "/greet.Greeter/Chat", HttpVersion = "HTTP/2.0", Headers = new HttpHeaders([("content-type", "application/grpc")]) };
        var response = new HttpResponse { StatusCode = 200, Reason = "", HttpVersion = "HTTP/2.0", Headers = new HttpHeaders([("content-type", "application/grpc")]), Trailers = new HttpHeaders([("grpc-status", "0")]) };
        return new Flow(request) { Response = response };
    }

    private static byte[] Frames(params (bool Compressed, byte[] Content)[] messages) => GrpcFraming.Join(messages);

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
