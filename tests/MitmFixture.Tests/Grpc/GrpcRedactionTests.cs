using System.IO.Compression;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Cli.Commands;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Replay;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Grpc;

/// <summary>
/// Secrets in gRPC messages never reach a cassette: a cassette keeps a call's messages as entries of
/// base64 bytes, so a token a client sends in a message, or a server echoes back, must be replaced
/// there too, compressed messages included, and the messages must still parse.
/// </summary>
public sealed class GrpcRedactionTests : IDisposable
{
    private const string Token = "grpc-secret-token-123";

    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-grpc-redact-").FullName;

    private string CassettePath => Path.Combine(_directory, "cassette.json");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TokenInMessagesBothWays_IsReplacedInTheCassette_AndTheMessagesStillParse(bool gzip)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var upstream = await H2Upstream.StartAsync(
            services => services.AddGrpc(o => o.ResponseCompressionAlgorithm = gzip ? "gzip" : null),
            app => app.MapGrpcService<GreeterService>());
        var writer = CassetteWriter.Create(CassettePath, Redactor.Default);
        await using (var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] }))
        {
            using var handler = new SocketsHttpHandler
            {
                Proxy = new WebProxy(recorder.Proxy.Url),
                UseProxy = true,
                SslOptions = { RemoteCertificateValidationCallback = recorder.Authority.CreateValidationCallback() },
            };
            using var http = new HttpClient(handler, disposeHandler: false);
            using var channel = GrpcChannel.ForAddress(upstream.H2Url, new GrpcChannelOptions { HttpClient = http });
            var headers = new Metadata { { "authorization", "Bearer " + Token } };
            if (gzip)
            {
                headers.Add("grpc-internal-encoding-request", "gzip"); // Grpc.Net.Client compresses the request message
            }

            var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = Token }, headers, cancellationToken: cancel);
            Assert.Equal("Hello " + Token, reply.Message); // the live call is untouched
        }

        await writer.DisposeAsync();

        var json = await File.ReadAllTextAsync(CassettePath, cancel);
        Assert.DoesNotContain(Token, json, StringComparison.Ordinal);
        var flow = Assert.Single(Cassette.Load(CassettePath).Flows);
        var messages = flow.Grpc!.Messages;
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal(gzip, m.Compressed));
        Assert.DoesNotContain("grpc_redaction", flow.Metadata.Keys);
        var request = HelloRequest.Parser.ParseFrom(Plain(messages[0].Content, gzip));
        var answer = HelloReply.Parser.ParseFrom(Plain(messages[1].Content, gzip));
        Assert.DoesNotContain(Token, request.Name, StringComparison.Ordinal);
        Assert.StartsWith("<", request.Name, StringComparison.Ordinal); // the placeholder, as in the authorization header
        Assert.Equal("Hello " + request.Name, answer.Message);
    }

    // The recording holds the token's placeholder inside the message; the same call made again carries
    // the real token. Replay redacts the live message as recording did, so the call still matches,
    // compressed or not, as a request with a token in its query or body does.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TokenInTheRequestMessage_TheSameCallReplaysFromTheRedactedRecording(bool gzip)
    {
        var cancel = TestContext.Current.CancellationToken;
        string address;
        var writer = CassetteWriter.Create(CassettePath, Redactor.Default);
        await using (var upstream = await H2Upstream.StartAsync(
            services => services.AddGrpc(o => o.ResponseCompressionAlgorithm = gzip ? "gzip" : null),
            app => app.MapGrpcService<GreeterService>()))
        {
            address = upstream.H2Url;
            await using var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] });
            Assert.Equal("Hello " + Token, await SayHelloWithTokenAsync(recorder, address, gzip));
        }

        await writer.DisposeAsync();
        var cassette = Cassette.Load(CassettePath);
        var addon = new ServerReplayAddon(new ReplayStore(cassette.Flows, new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });

        var replayed = await SayHelloWithTokenAsync(replay, address, gzip); // the server is gone: only the cassette answers

        Assert.StartsWith("Hello ", replayed, StringComparison.Ordinal);
        var flow = Assert.Single(replay.Proxy.Flows.Snapshot());
        Assert.Equal(ReplayKind.Response, flow.Replay);
        Assert.Null(flow.Error);
    }

    // The recording session numbered a second token <AUTHORIZATION-2>; a replay that meets it first
    // calls it <AUTHORIZATION>. Placeholders compare by kind, and inside a protobuf message the length
    // in front of the shorter one must follow, or the call would end UNIMPLEMENTED.
    [Fact]
    public async Task SecondTokenOfTheRecording_ReplaysAlone_ItsNumberedPlaceholderComparedByKind()
    {
        const string second = "grpc-second-token-456";
        string address;
        var writer = CassetteWriter.Create(CassettePath, Redactor.Default);
        await using (var upstream = await H2Upstream.StartAsync(services => services.AddGrpc(), app => app.MapGrpcService<GreeterService>()))
        {
            address = upstream.H2Url;
            await using var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] });
            await SayHelloWithTokenAsync(recorder, address, gzip: false);
            await SayHelloWithTokenAsync(recorder, address, gzip: false, second);
        }

        await writer.DisposeAsync();
        var cassette = Cassette.Load(CassettePath);
        Assert.Contains("<AUTHORIZATION-2>", HelloRequest.Parser.ParseFrom(cassette.Flows[1].Grpc!.Messages[0].Content).Name, StringComparison.Ordinal);
        var addon = new ServerReplayAddon(new ReplayStore([cassette.Flows[1]], new ServerReplayOptions { KillExtra = true }, cassette.Modes), null, Redactor.Default);
        await using var replay = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });

        await SayHelloWithTokenAsync(replay, address, gzip: false, second);

        Assert.Equal(ReplayKind.Response, Assert.Single(replay.Proxy.Flows.Snapshot()).Replay);
    }

    /// <summary>SayHello through <paramref name="proxy"/> with the token in its authorization header and its name, the request compressed when <paramref name="gzip"/>.</summary>
    private static async Task<string> SayHelloWithTokenAsync(ProxyHarness proxy, string address, bool gzip, string token = Token)
    {
        using var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(proxy.Proxy.Url),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = proxy.Authority.CreateValidationCallback() },
        };
        using var http = new HttpClient(handler, disposeHandler: false);
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpClient = http });
        var headers = new Metadata { { "authorization", "Bearer " + token } };
        if (gzip)
        {
            headers.Add("grpc-internal-encoding-request", "gzip"); // Grpc.Net.Client compresses the request message
        }

        var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = token }, headers, cancellationToken: TestContext.Current.CancellationToken);
        return reply.Message;
    }

    // A secret shorter than the minimum is replaced only where a field names it: here a JSON field
    // inside a protobuf string. Compressed or not, the cassette's message and the bodies of the
    // redacted flow (a HAR, a report) hold the placeholder, and the long token is nowhere.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ShortPasswordInAJsonFieldOfAMessage_IsReplaced_InTheCassetteAndInAHarOfTheRedactedFlows(bool gzip)
    {
        var cancel = TestContext.Current.CancellationToken;
        var writer = CassetteWriter.Create(CassettePath, Redactor.Default);
        var flows = await RecordLoginAndCallAsync(gzip, writer);
        await writer.DisposeAsync();
        var harPath = Path.Combine(_directory, "calls.har");
        Har.Export(harPath, flows, Redactor.Default);

        var recorded = Cassette.Load(CassettePath).Flows.Single(f => f.Grpc is not null).Grpc!.Messages;
        Assert.Equal(RedactedName, HelloRequest.Parser.ParseFrom(Plain(recorded[0].Content, gzip)).Name);
        Assert.DoesNotContain(Token, await File.ReadAllTextAsync(harPath, cancel), StringComparison.Ordinal);
        var call = Har.Import(harPath).Single(f => f.Request.Path.EndsWith("/SayHello", StringComparison.Ordinal));
        var sent = Assert.Single(GrpcFraming.Split(call.Request.Body!, GrpcMapper.MaxMessageBytes));
        Assert.Equal(RedactedName, HelloRequest.Parser.ParseFrom(Plain(sent.Content, gzip)).Name);
        var answered = Assert.Single(GrpcFraming.Split(call.Response!.Body!, GrpcMapper.MaxMessageBytes));
        Assert.DoesNotContain(Token, HelloReply.Parser.ParseFrom(Plain(answered.Content, gzip)).Message, StringComparison.Ordinal);
    }

    // scan reports what redact would change: the short password in the compressed message too, on
    // the line of that message's base64 (it looked at the compressed bytes, where no placeholder shows).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scan_ShortPasswordInAJsonFieldOfAMessage_IsReportedOnTheMessagesLine_CompressedOrNot(bool gzip)
    {
        var writer = CassetteWriter.Create(CassettePath, Redactor.None); // as a recording made without redaction
        await RecordLoginAndCallAsync(gzip, writer);
        await writer.DisposeAsync();
        var text = await File.ReadAllTextAsync(CassettePath, TestContext.Current.CancellationToken);
        var flows = Cassette.Load(CassettePath).Flows;
        var message = flows.Single(f => f.Grpc is not null).Grpc!.Messages[0];
        var line = Array.FindIndex(text.Split('\n'), l => l.Contains(Convert.ToBase64String(message.Content), StringComparison.Ordinal)) + 1;
        Assert.True(line > 0);

        var changes = SecretScanner.ScanChanges(text, flows, Cassette.Load(CassettePath).Modes, SecretScanner.Learn(flows, Redactor.Default));

        Assert.Contains(new SecretScanner.Finding(line, "a secret redaction would replace by <PASSWORD>"), changes);
    }

    // An encoding the redaction can read but not write (the decoder also takes raw deflate): the
    // redacted message is kept uncompressed, which a frame's flag allows, and the flow says so.
    [Fact]
    public void Redact_ACompressedMessageThatCannotBeEncodedAgain_IsKeptUncompressed_AndTheFlowSaysSo()
    {
        byte[] plain = [0x0a, (byte)Token.Length, .. Encoding.ASCII.GetBytes(Token)];
        using var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(plain);
        }

        var request = HttpRequest.Create("POST", "https://api.test/greet.Greeter/SayHello", null, ("content-type", "application/grpc"), ("grpc-encoding", "raw-deflate"), ("authorization", "Bearer " + Token));
        var flow = new Flow(request);
        flow.Grpc = new GrpcData();
        flow.Grpc.Add(new GrpcMessage(true, true, compressed.ToArray(), TestFlows.Start));

        var redacted = Redactor.Default.Redact(flow);

        var message = Assert.Single(redacted.Grpc!.Messages);
        Assert.False(message.Compressed);
        Assert.Equal([0x0a, 15, .. "<AUTHORIZATION>"u8], message.Content);
        Assert.Equal("message 1 could not be encoded again with grpc-encoding 'raw-deflate' once redacted; kept uncompressed", redacted.Metadata["grpc_redaction"]);
    }

    private const string ShortPassword = "ab1"; // under MinimumSecretLength (4): replaced only where a field names it

    private const string Name = "{\"password\":\"" + ShortPassword + "\",\"session\":\"" + Token + "\"}";

    private const string RedactedName = "{\"password\":\"<PASSWORD>\",\"session\":\"<AUTHORIZATION>\"}";

    /// <summary>
    /// Through a proxy recording into <paramref name="writer"/>: a form login that shows the short
    /// password, then a SayHello sending the token in its authorization header and both in its
    /// name (JSON in a protobuf string), compressed both ways when <paramref name="gzip"/>. The proxy's own flows.
    /// </summary>
    private static async Task<IReadOnlyList<Flow>> RecordLoginAndCallAsync(bool gzip, CassetteWriter writer)
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var upstream = await H2Upstream.StartAsync(
            services => services.AddGrpc(o => o.ResponseCompressionAlgorithm = gzip ? "gzip" : null),
            app =>
            {
                app.MapGrpcService<GreeterService>();
                app.MapPost("/login", () => "ok");
            });
        await using var recorder = await ProxyHarness.StartAsync(null, o => o with { Addons = [new RecordingAddon(writer)], UpstreamTrustedCertificates = [upstream.Authority] });
        using var handler = new SocketsHttpHandler
        {
            Proxy = new WebProxy(recorder.Proxy.Url),
            UseProxy = true,
            SslOptions = { RemoteCertificateValidationCallback = recorder.Authority.CreateValidationCallback() },
        };
        using var http = new HttpClient(handler, disposeHandler: false);
        using var form = new FormUrlEncodedContent([new("user", "ada"), new("password", ShortPassword)]);
        (await http.PostAsync($"{upstream.H2Url}/login", form, cancel)).EnsureSuccessStatusCode();
        using var channel = GrpcChannel.ForAddress(upstream.H2Url, new GrpcChannelOptions { HttpClient = http });
        var headers = new Metadata { { "authorization", "Bearer " + Token } };
        if (gzip)
        {
            headers.Add("grpc-internal-encoding-request", "gzip");
        }

        var reply = await new Greeter.GreeterClient(channel).SayHelloAsync(new HelloRequest { Name = Name }, headers, cancellationToken: cancel);
        Assert.Equal("Hello " + Name, reply.Message);
        await Eventually.TrueAsync(() => writer.Count == 2);
        return recorder.Proxy.Flows.Snapshot();
    }

    [Fact]
    public void ProtobufRedaction_NestedField_LengthsFollowTheNewContent()
    {
        // field 1 = message { field 1 = "a<token>b", field 2 = varint 150 }, field 3 = "keep"
        var inner = new List<byte> { 0x0a, (byte)(Token.Length + 2) };
        inner.AddRange(Encoding.ASCII.GetBytes("a" + Token + "b"));
        inner.AddRange(new byte[] { 0x10, 0x96, 0x01 });
        var message = new List<byte> { 0x0a, (byte)inner.Count };
        message.AddRange(inner);
        message.AddRange(new byte[] { 0x1a, 4 });
        message.AddRange(Encoding.ASCII.GetBytes("keep"));

        var scrubbed = ProtobufRedaction.Scrub([.. message], leaf =>
            Encoding.ASCII.GetString(leaf) is var text && text.Contains(Token, StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(text.Replace(Token, "<T>", StringComparison.Ordinal)) : null);

        byte[] expected = [0x0a, 10, 0x0a, 5, .. "a<T>b"u8, 0x10, 0x96, 0x01, 0x1a, 4, .. "keep"u8];
        Assert.Equal(expected, scrubbed);
        Assert.Null(ProtobufRedaction.Scrub([0x0a, 200, 1, 2], _ => [9])); // a length past the end: not a message
        Assert.Null(ProtobufRedaction.Scrub([0x0b], _ => [9])); // a group: not taken
    }

    private static byte[] Plain(byte[] content, bool gzip)
    {
        if (!gzip)
        {
            return content;
        }

        using var input = new GZipStream(new MemoryStream(content), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
