using System.Net;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Host and framing hygiene: which host a request goes to, and what trailers and header values may carry.</summary>
public sealed class HostFramingTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task AbsoluteForm_HostIsReplacedByTheTargetAuthority()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/host HTTP/1.1\r\nHost: internal.evil.example\r\nConnection: close\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Contains($"\nHost: 127.0.0.1:{Upstream.HttpPort}\n", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", answer, StringComparison.Ordinal);
        Assert.Equal($"127.0.0.1:{Upstream.HttpPort}", Assert.Single(harness.Proxy.Flows.Snapshot()).Request.Headers.Get("Host"));
    }

    [Theory]
    [InlineData("Host: a.example\r\nHost: b.example\r\n")]
    [InlineData("Host: a.example\r\nhost: a.example\r\n")]
    public async Task TwoHostHeaders_Get400AndNoServerIsContacted(string hosts)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        var before = Upstream.Requests;
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/two HTTP/1.1\r\n{hosts}\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 400 ", answer, StringComparison.Ordinal);
        Assert.Contains("more than one Host", answer, StringComparison.Ordinal);
        Assert.Equal(before, Upstream.Requests);
    }

    [Theory]
    [InlineData("\x01")]
    [InlineData("\x1b")]
    [InlineData("\x7f")]
    [InlineData("\x0b")]
    public async Task ControlCharacterInRequestHeaderValue_Gets400(string control)
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/ctl HTTP/1.1\r\nHost: x\r\nX-Note: a{control}b\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", await raw.ReadAsync(timeoutMs: 5000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HorizontalTabInHeaderValue_IsAllowed()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {Upstream.HttpUrl}/echo/tab HTTP/1.1\r\nHost: x\r\nX-Note: a\tb\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 200 ", await raw.ReadAsync(timeoutMs: 5000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControlCharacterInResponseHeaderValue_Gives502()
    {
        await using var server = new RawServer("HTTP/1.1 200 OK\r\nX-Note: a\x01b\r\nContent-Length: 2\r\n\r\nok", closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(Upstream);

        using var answer = await harness.CreateClient().GetAsync($"{server.Url}/x", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadGateway, answer.StatusCode);
        Assert.Contains("control character", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FramingFieldsInResponseTrailers_AreDropped()
    {
        await using var server = new RawServer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: abc\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\nHost: evil.example\r\n\r\n",
            closeAfter: true);
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {server.Url}/t HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.Contains("X-Checksum: abc", answer, StringComparison.Ordinal);
        var trailerPart = answer[answer.IndexOf("\r\n0\r\n", StringComparison.Ordinal)..];
        Assert.DoesNotContain("Content-Length", trailerPart, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Transfer-Encoding", trailerPart, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("evil", answer, StringComparison.Ordinal);
        var trailers = Assert.Single(harness.Proxy.Flows.Snapshot()).Response!.Trailers!;
        Assert.Equal("X-Checksum: abc", Assert.Single(trailers).ToString());
    }

    [Fact]
    public async Task FramingFieldsInRequestTrailers_AreDropped()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/rt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            "5\r\nhello\r\n0\r\nX-Sum: 1\r\nContent-Length: 7\r\nHost: evil.example\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", answer, StringComparison.Ordinal);
        var request = Assert.Single(harness.Proxy.Flows.Snapshot()).Request;
        Assert.Equal("X-Sum: 1", Assert.Single(request.Trailers!).ToString());
    }

    [Fact]
    public async Task SwitchingProtocolsWithoutAnUpgradeRequest_Gives502()
    {
        await using var server = new RawServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\nraw bytes the client must never see");
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {server.Url}/plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 502 ", answer, StringComparison.Ordinal);
        Assert.DoesNotContain("raw bytes", answer, StringComparison.Ordinal);
        Assert.Contains("did not ask to upgrade", Assert.Single(harness.Proxy.Flows.Snapshot()).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchingToAProtocolNotOffered_Gives502()
    {
        await using var server = new RawServer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n");
        await using var harness = await ProxyHarness.StartAsync(Upstream);
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"GET {server.Url}/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 502 ", await raw.ReadAsync("offered only", timeoutMs: 5000), StringComparison.Ordinal);
    }
}
