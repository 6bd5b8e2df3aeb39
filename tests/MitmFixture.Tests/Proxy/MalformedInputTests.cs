using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class MalformedInputTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    public static TheoryData<string, string> BadRequests => new()
    {
        { "GARBAGE\r\n\r\n", "400" },
        { "GET http://127.0.0.1:1/ HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", "400" },
        { "GET http://127.0.0.1:1/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "400" },
        { "GET http://127.0.0.1:1/ HTTP/1.1\r\nBad Header: x\r\n\r\n", "400" },
        { "GET http://127.0.0.1:1/ HTTP/2.0\r\n\r\n", "505" },
        { "GET /relative HTTP/1.1\r\nHost: x\r\n\r\n", "400" },
        { "GET http://127.0.0.1:1/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task MalformedRequest_GetsErrorStatusAndProxyKeepsServingOthers(string request, string status)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var bad = await RawClient.ConnectAsync(harness.Proxy.Port);

        await bad.SendAsync(request);
        var answer = await bad.ReadAsync();

        Assert.StartsWith($"HTTP/1.1 {status} ", answer, StringComparison.Ordinal);
        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/next", TestContext.Current.CancellationToken);
        Assert.StartsWith("GET /echo/next", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedHead_Gets431()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var bad = await RawClient.ConnectAsync(harness.Proxy.Port);

        await bad.SendAsync($"GET {Upstream.HttpUrl}/ HTTP/1.1\r\nX-Big: {new string('a', 40_000)}\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", await bad.ReadAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedServerResponse_Gives502WithReason()
    {
        await using var server = new RawServer("NOT HTTP AT ALL\r\n\r\n", closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        using var response = await harness.CreateClient().GetAsync($"{server.Url}/x", TestContext.Current.CancellationToken);

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Contains("malformed response", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentClient_IsDroppedWithoutDisturbingOthers()
    {
        var time = FakeClock.StartingNow();
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { TimeProvider = time, Limits = o.Limits with { HeadersTimeout = TimeSpan.FromSeconds(30) } });
        await using var slow = await RawClient.ConnectAsync(harness.Proxy.Port);
        await slow.SendAsync("GET http://127.0.0.1/ HTTP/1.1\r\n"); // never finishes its head

        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/other", TestContext.Current.CancellationToken);
        var read = slow.ReadAsync(timeoutMs: 10_000);
        await time.AdvanceUntilAsync(() => read.IsCompleted, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(2));
        var answer = await read;

        Assert.StartsWith("GET /echo/other", text, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyBadClientsAtOnce_ProxyStillAnswers()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var attacks = Enumerable.Range(0, 50).Select(async i =>
        {
            await using var bad = await RawClient.ConnectAsync(harness.Proxy.Port);
            await bad.SendAsync(i % 2 == 0 ? "\x01\x02\x03 garbage\r\n\r\n" : "GET http://x/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n");
            return await bad.ReadAsync();
        });

        var answers = await Task.WhenAll(attacks);
        var text = await harness.CreateClient().GetStringAsync($"{Upstream.HttpUrl}/echo/alive", TestContext.Current.CancellationToken);

        Assert.Equal(50, answers.Length);
        Assert.All(answers, a => Assert.StartsWith("HTTP/1.1 400 ", a, StringComparison.Ordinal));
        Assert.StartsWith("GET /echo/alive", text, StringComparison.Ordinal);
    }
}
