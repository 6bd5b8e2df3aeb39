using System.IO.Compression;
using System.Net;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
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
