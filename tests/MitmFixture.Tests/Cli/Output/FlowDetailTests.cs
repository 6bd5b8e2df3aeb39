using System.Text;
using MitmFixture.Cli.Output;
using MitmFixture.Flows;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.Output;

public sealed class FlowDetailTests
{
    private const string Hostile = "a\u001b[2J\u001b]0;owned\u0007b\u009b31m\b\rc";

    [Fact]
    public void Format_Level4_ShowsJsonBodyThroughTheView()
    {
        var flow = TestFlows.Get("http://example.com/api").Respond(200, "{\"a\":1,\"b\":[true]}", "application/json");

        var text = FlowDetail.Format(flow, 4);

        Assert.Contains("    JSON\n", text, StringComparison.Ordinal);
        Assert.Contains("    {\n", text, StringComparison.Ordinal);
        Assert.Contains("      \"a\": 1,", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_Level3_CutsLongBodiesAndSaysHowMuchIsLeft()
    {
        var body = string.Join('\n', Enumerable.Range(0, 200).Select(i => $"line {i}"));
        var flow = TestFlows.Get("http://example.com/").Respond(200, body);

        var short3 = FlowDetail.Format(flow, 3);
        var whole4 = FlowDetail.Format(flow, 4);

        Assert.Contains("line 69", short3, StringComparison.Ordinal);
        Assert.DoesNotContain("line 70\n", short3, StringComparison.Ordinal);
        Assert.Contains("130", short3, StringComparison.Ordinal);
        Assert.Contains("line 199", whole4, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_Level2_HasHeadersButNoBody()
    {
        var flow = TestFlows.Get("http://example.com/").Respond(200, "secret body");

        var text = FlowDetail.Format(flow, 2);

        Assert.Contains("    << Content-Type: text/plain; charset=utf-8", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret body", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Format_HostileFlow_EscapesEveryControlCharacter(int level)
    {
        var flow = TestFlows.Get("http://example.com/", ("X-Evil", Hostile))
            .Respond(200, Encoding.UTF8.GetBytes(Hostile + "\n" + Hostile), ("Content-Type", "text/plain"), ("X-Evil", Hostile));
        flow.Request.Path = "/?q=" + Hostile; // as a raw request target would carry it; Uri would percent-encode
        flow.Response!.Reason = Hostile;

        var text = FlowDetail.Format(flow, level);

        AssertNoControlCharacters(text);
        Assert.Contains("a\\x1b[2J\\x1b]0;owned\\x07b\\x9b31m\\x08\\x0dc", text, StringComparison.Ordinal);
    }

    private static Flow TlsFlow()
    {
        var flow = TestFlows.Get("https://example.com/").Respond(200, "ok");
        flow.Client.TlsEstablished = true;
        flow.Client.Sni = "example.com";
        flow.Client.Alpn = "h2";
        flow.Client.TlsVersion = "Tls13";
        flow.Client.Cipher = "TLS_AES_128_GCM_SHA256";
        flow.Server.TlsEstablished = true;
        flow.Server.PeerAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("93.184.216.34"), 443);
        flow.Server.Sni = "example.com";
        flow.Server.Alpn = "http/1.1";
        flow.Server.TlsVersion = "Tls12";
        flow.Server.Cipher = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        flow.Server.Certificate = new ServerCertificateInfo("CN=example.com", "CN=Test CA", ["example.com", "www.example.com"], Start, Start.AddDays(90), new string('A', 64));
        return flow;
    }

    private static readonly DateTimeOffset Start = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Format_Level2_ShowsBothConnectionsAndTheCertificate()
    {
        var text = FlowDetail.Format(TlsFlow(), 2);

        Assert.Contains("\n    Client connection: Address 127.0.0.1:22; Proxy address 127.0.0.1:8080; HTTP version HTTP/1.1; TLS Tls13; SNI example.com; ALPN h2; Cipher TLS_AES_128_GCM_SHA256\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    Server connection: Address example.com:443; Resolved address 93.184.216.34:443; HTTP version HTTP/1.1; TLS Tls12; SNI example.com; ALPN http/1.1; Cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    Server certificate: Subject CN=example.com; Issuer CN=Test CA; Alt names example.com, www.example.com; Valid from 2026-01-02 03:04:05.000 UTC; Valid to 2026-04-02 03:04:05.000 UTC; SHA256 digest " + new string('A', 64) + "\n", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Server connection", StringComparison.Ordinal) < text.IndexOf("<< Content-Type", StringComparison.Ordinal), "connections come before the headers");
    }

    [Fact]
    public void Format_Level1_HasNoConnections_PlainHttpHasNoTlsFields()
    {
        Assert.DoesNotContain("connection", FlowDetail.Format(TlsFlow(), 1), StringComparison.Ordinal);

        var text = FlowDetail.Format(TestFlows.Get("http://example.com/").Respond(200, "ok"), 2);

        Assert.Contains("\n    Server connection: Address example.com:80\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SNI", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Server certificate", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_HostileSniAndCertificate_Escaped()
    {
        var flow = TlsFlow();
        flow.Client.Sni = Hostile;
        flow.Server.Certificate = flow.Server.Certificate! with { Subject = "CN=" + Hostile };

        var text = FlowDetail.Format(flow, 2);

        AssertNoControlCharacters(text);
        Assert.Contains("SNI a\\x1b[2J", text, StringComparison.Ordinal);
        Assert.Contains("Subject CN=a\\x1b[2J", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_WebSocketMessages_ShownEscapedFromLevel3()
    {
        var flow = TestFlows.TWebSocketFlow();
        flow.WebSocket!.Add(new WebSocketMessage(WebSocketMessageType.Text, fromClient: false, Encoding.UTF8.GetBytes(Hostile), TestFlows.Start));

        var text = FlowDetail.Format(flow, 3);

        AssertNoControlCharacters(text);
        Assert.Contains("    ws >> hello text", text, StringComparison.Ordinal);
        Assert.Contains("ws << a\\x1b[2J", text, StringComparison.Ordinal);
        Assert.DoesNotContain("    ws <<", FlowDetail.Format(flow, 2), StringComparison.Ordinal);
    }

    [Fact]
    public void FlowLine_HostileErrorAndUrl_Escaped()
    {
        var flow = TestFlows.Get("http://example.com/").Fail(Hostile);
        flow.Request.Path = "/?q=" + Hostile;

        var line = FlowLine.Format(flow);

        AssertNoControlCharacters(line);
        Assert.Contains("/?q=a\\x1b[2J", line, StringComparison.Ordinal);
        Assert.Contains("error: a\\x1b[2J", line, StringComparison.Ordinal);
    }

    internal static void AssertNoControlCharacters(string text)
    {
        var bad = text.Where(c => c != '\n' && char.IsControl(c)).Select(c => $"U+{(int)c:X4}").ToList();
        Assert.True(bad.Count == 0, "control characters in output: " + string.Join(", ", bad));
    }
}
