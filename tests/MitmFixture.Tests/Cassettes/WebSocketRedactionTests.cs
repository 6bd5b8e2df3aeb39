using System.Net;
using System.Net.WebSockets;
using System.Text;
using MitmFixture.Addons;
using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;
using WebSocketMessageType = System.Net.WebSockets.WebSocketMessageType;

namespace MitmFixture.Tests.Cassettes;

/// <summary>
/// A JSON WebSocket message is redacted as a JSON body is, by the same code: its secret fields are
/// replaced, and the secrets it shows are learned and replaced wherever else they appear (README
/// "Redaction"). Recorded through the proxy from a real client and server.
/// </summary>
public sealed class WebSocketRedactionTests : IDisposable
{
    private const string Password = "hunter2-long-value";
    private const string Login = "{\"user\":\"ada\",\"password\":\"" + Password + "\"}";

    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-ws-redact-").FullName;

    private string CassettePath => Path.Combine(_directory, "ws.json");

    [Fact]
    public async Task Record_APasswordSentInAMessage_AndATokenTheServerSendsInOne_AreReplacedThereAndWhereverElseTheyAppear()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var upstream = await TestUpstream.StartAsync();
        var writer = CassetteWriter.Create(CassettePath); // the default redaction
        await using (var harness = await ProxyHarness.StartAsync(upstream, o => o with { Addons = [new RecordingAddon(writer)] }))
        {
            // 1. A login over a socket: the client sends a password, the server repeats it.
            using (var socket = await ConnectAsync(harness, $"ws://127.0.0.1:{upstream.HttpPort}/ws"))
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(Login), WebSocketMessageType.Text, true, ct);
                Assert.Equal("echo: " + Login, await ReceiveAsync(socket));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
            }

            // 2. A token handed out in a server's message...
            using (var socket = await ConnectAsync(harness, $"ws://127.0.0.1:{upstream.HttpPort}/ws-token"))
            {
                Assert.Contains(TestUpstream.WebSocketToken, await ReceiveAsync(socket), StringComparison.Ordinal);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", ct);
            }

            // 3. ...then sent in a header no redaction rule names, which the server echoes in its body.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{upstream.HttpUrl}/echo/after");
            request.Headers.Add("X-Session", TestUpstream.WebSocketToken);
            (await harness.CreateClient().SendAsync(request, ct)).EnsureSuccessStatusCode();
            await Eventually.TrueAsync(() => writer.Count == 3); // a WebSocket flow is written when its socket has closed
        }

        await writer.DisposeAsync();

        var text = await File.ReadAllTextAsync(CassettePath, ct);
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TestUpstream.WebSocketToken, text, StringComparison.Ordinal);
        var flows = Cassette.Load(CassettePath).Flows;
        var login = flows.Single(f => f.Request.Path == "/ws").WebSocket!.Messages;
        Assert.Equal("{\"user\":\"ada\",\"password\":\"<PASSWORD>\"}", login[0].Text);
        Assert.Equal("echo: {\"user\":\"ada\",\"password\":\"<PASSWORD>\"}", login[1].Text);
        var issued = flows.Single(f => f.Request.Path == "/ws-token").WebSocket!.Messages;
        Assert.Equal("{\"token_type\":\"Bearer\",\"access_token\":\"<ACCESS_TOKEN>\"}", issued[0].Text);
        var after = flows.Single(f => f.Request.Path == "/echo/after");
        Assert.Equal("<ACCESS_TOKEN>", after.Request.Headers.Get("X-Session"));
        Assert.Contains("X-Session: <ACCESS_TOKEN>", after.Response!.Text, StringComparison.Ordinal);
    }

    // The one body-redaction code, so a short secret is replaced in the field that names it and
    // nowhere else, and a secret number becomes a string, as in a JSON body.
    [Fact]
    public void Redact_AShortPasswordAndASecretNumberInAJsonMessage_AreReplacedInTheirFieldsOnly()
    {
        var flow = TestFlows.Get("http://example.com/ws").WithWebSocket(
            (true, MitmFixture.Flows.WebSocketMessageType.Text, "{\"user\":\"abc\",\"password\":\"abc\",\"pin\":482915}"),
            (false, MitmFixture.Flows.WebSocketMessageType.Binary, "{\"ok\":true,\"user\":\"abc\"}"));

        var redacted = new Redactor(new RedactionOptions { SecretFields = [.. new RedactionOptions().SecretFields, "pin"] }).Redact(flow);

        Assert.Equal("{\"user\":\"abc\",\"password\":\"<PASSWORD>\",\"pin\":\"<PIN>\"}", redacted.WebSocket!.Messages[0].Text);
        Assert.Equal("{\"ok\":true,\"user\":\"abc\"}", Encoding.UTF8.GetString(redacted.WebSocket.Messages[1].Content));
    }

    private static async Task<ClientWebSocket> ConnectAsync(ProxyHarness harness, string url)
    {
        var socket = new ClientWebSocket();
        socket.Options.Proxy = new WebProxy(harness.Proxy.Url);
        await socket.ConnectAsync(new Uri(url), TestContext.Current.CancellationToken);
        return socket;
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket)
    {
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
