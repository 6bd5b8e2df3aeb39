using System.Net;
using MitmFixture.Flows;
using MitmFixture.Http;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// CR, LF or NUL put into a message by an addon, an edit or a replayed flow: an error on the flow and
/// a 502 for the client, never bytes on the wire (Http1Writer's refusal, end to end).
/// </summary>
public sealed class UnsafeHeadTests
{
    private const string Answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    public static TheoryData<string> RequestEdits => new() { "header value", "header name", "method", "path", "version", "host" };

    [Theory]
    [MemberData(nameof(RequestEdits))]
    public async Task AddonPutsLineBreakIntoRequest_ServerGetsNothingClientGets502(string what)
    {
        await using var server = new ScriptedRawServer(_ => new(Answer));
        var addon = new Edit(request: f => Inject(f.Request, what));
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });
        using var client = harness.CreateClient();

        using var answer = await client.GetAsync($"http://127.0.0.1:{server.Port}/a", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.DoesNotContain(answer.Headers, h => h.Key == "X-Smuggled");
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.StartsWith("refused to send", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.BytesReceived);
    }

    [Theory]
    [InlineData("header value")]
    [InlineData("reason")]
    public async Task AddonPutsLineBreakIntoResponse_ClientGets502WithoutTheInjectedHeader(string what)
    {
        await using var server = new ScriptedRawServer(_ => new(Answer));
        var addon = new Edit(response: f =>
        {
            if (what == "reason")
            {
                f.Response!.Reason = "OK\r\nX-Smuggled: 1";
            }
            else
            {
                f.Response!.Headers.Set("X-Note", "a\r\nX-Smuggled: 1");
            }
        });
        await using var harness = await ProxyHarness.StartAsync(null, o => o with { Addons = [addon] });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET http://127.0.0.1:{server.Port}/a HTTP/1.1\r\nHost: 127.0.0.1:{server.Port}\r\n\r\n");
        var text = await raw.ReadAsync(until: "refused to send");

        Assert.StartsWith("HTTP/1.1 502 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\nX-Smuggled", text, StringComparison.Ordinal);
        Assert.StartsWith("refused to send", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RequestEdits))]
    public async Task ClientReplayOfUnsafeFlow_ErrorOnFlowNothingOnTheWire(string what)
    {
        await using var server = new ScriptedRawServer(_ => new(Answer));
        await using var harness = await ProxyHarness.StartAsync(null);
        var request = new HttpRequest { Method = "GET", Scheme = "http", Host = "127.0.0.1", Port = server.Port, Path = "/a", TargetForm = RequestTargetForm.Absolute };
        request.Headers.Add("Host", $"127.0.0.1:{server.Port}");
        Inject(request, what);

        var flow = await harness.Proxy.ReplayAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(flow.Response);
        Assert.Contains("refused", flow.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.BytesReceived);
    }

    private static void Inject(HttpRequest request, string what)
    {
        switch (what)
        {
            case "header value": request.Headers.Set("X-Note", "a\r\nX-Smuggled: 1"); break;
            case "header name": request.Headers.Add("X-Smuggled: 1\r\nX-Note", "a"); break;
            case "method": request.Method = "GET /evil HTTP/1.1\r\nX-Smuggled: 1\r\n\r\nGET"; break;
            case "path": request.Path = "/a HTTP/1.1\r\nX-Smuggled: 1\r\n\r\nGET /b"; break;
            case "version": request.HttpVersion = "HTTP/1.1\r\nX-Smuggled: 1"; break;
            case "host": request.Headers.Set("Host", "127.0.0.1\r\nX-Smuggled: 1"); break;
        }
    }

    private sealed class Edit(Action<Flow>? request = null, Action<Flow>? response = null) : ProxyAddon
    {
        public override ValueTask RequestAsync(Flow flow, CancellationToken cancellationToken)
        {
            request?.Invoke(flow);
            return ValueTask.CompletedTask;
        }

        public override ValueTask ResponseAsync(Flow flow, CancellationToken cancellationToken)
        {
            response?.Invoke(flow);
            return ValueTask.CompletedTask;
        }
    }
}
