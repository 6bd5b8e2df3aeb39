using MitmFixture.Cassettes;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Replay;

/// <summary>
/// What client replay must not send again, as mitmproxy's clientplayback and disable_h2c addons decide:
/// a CONNECT (mitmproxy refuses it in the transparent mode its replays run in), an h2c upgrade (which
/// the live proxy removes, as mitmproxy does) and the HTTP/2 preface. A cassette holding one is refused
/// where it is loaded to be sent, naming file, line and why; one sent anyway fails on its flow, unsent.
/// </summary>
public sealed class ClientReplayRefusalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-replay-refusal-").FullName;

    /// <summary>Field, JSON value, JSON path the error must name, words the reason must contain.</summary>
    public static TheoryData<string, string, string, string> Unsendable => new()
    {
        { "method", "\"CONNECT\"", "$.flows[0].request.method", "client replay does not send CONNECT" },
        { "method", "\"PRI\"", "$.flows[0].request.method", "the HTTP/2 connection preface" },
        { "request_header", "\"Upgrade: h2c\"", "$.flows[0].request.headers[1]", "an h2c upgrade" },
        { "request_header", "\"Upgrade: websocket, H2C\"", "$.flows[0].request.headers[1]", "an h2c upgrade" },
        { "request_header", "\"HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\"", "$.flows[0].request.headers[1]", "HTTP2-Settings" },
    };

    [Theory]
    [MemberData(nameof(Unsendable))]
    public void Load_RequestClientReplayMustNotSend_RefusedWithFileLineAndWhy(string field, string value, string jsonPath, string reason)
    {
        var path = Write(HostileCassettes.With(8080, field, value));

        var error = Assert.Throws<CassetteFormatException>(() => ClientReplayer.Load(path, HttpLimits.DefaultMaxDecodedBodyBytes));

        Assert.StartsWith($"{path}:{HostileCassettes.LineOf(field)} at {jsonPath}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Single(Cassette.Load(path).Flows); // server replay never sends the request: the cassette is fine for it
    }

    [Fact]
    public void Load_ValidCassette_Loads() =>
        Assert.Single(ClientReplayer.Load(Write(HostileCassettes.Valid()), HttpLimits.DefaultMaxDecodedBodyBytes).Flows);

    // Flows that reach replay without that load (the console's r, ProxyServer.ReplayAsync, a cassette
    // loaded for server replay) are refused at the last step: the flow fails, the server gets nothing.
    [Theory]
    [MemberData(nameof(Unsendable))]
    public async Task RunAsync_RequestClientReplayMustNotSend_FlowFailsAndNothingReachesTheServer(string field, string value, string jsonPath, string reason)
    {
        _ = jsonPath;
        await using var server = new ScriptedRawServer(_ => new("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await using var harness = await ProxyHarness.StartAsync(null);
        var recorded = Cassette.Load(Write(HostileCassettes.With(server.Port, field, value))).Flows;

        var result = await ClientReplayer.RunAsync(recorded, harness.Proxy.ReplayAsync, cancellationToken: TestContext.Current.CancellationToken);

        var flow = Assert.Single(result.Flows);
        Assert.Null(flow.Response);
        Assert.Contains(reason, flow.Error?.Message, StringComparison.Ordinal);
        Assert.Equal(1, result.Failed);
        Assert.Equal(0, server.Connections);
    }

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"c{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
