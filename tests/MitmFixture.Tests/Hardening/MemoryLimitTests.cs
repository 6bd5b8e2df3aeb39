using System.Diagnostics;
using MitmFixture.Tests.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Hardening;

/// <summary>Bodies over the buffer limit are refused from what their framing announces, before the bytes arrive.</summary>
public sealed class MemoryLimitTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task ChunkLargerThanTheLimit_Gets413BeforeItsBytesArrive()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        var before = Upstream.Requests;
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var clock = Stopwatch.StartNew();

        // Announces a 16 MiB chunk and sends none of it: the size line alone is enough to refuse.
        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000000\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
        Assert.Contains("1000-byte limit", answer, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.Equal(before, Upstream.Requests);
    }

    [Fact]
    public async Task ContentLengthLargerThanTheLimit_Gets413BeforeItsBytesArrive()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000001\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 413 ", await raw.ReadAsync(timeoutMs: 5000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedBodyWithinTheLimit_IsBufferedWhole()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 300_000 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var chunk = new string('x', 70_000); // more than one 64 KiB segment per chunk

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/whole HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{chunk.Length:x}\r\n{chunk}\r\n{chunk.Length:x}\r\n{chunk}\r\n0\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 5000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.Equal(140_000, Assert.Single(harness.Proxy.Flows.Snapshot()).Request.Body!.Length);
    }

    [Fact]
    public async Task ChunkedBodyPastOneMebibyte_IsForwardedFromItsSegmentsWithoutAContiguousCopy()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 4 * 1024 * 1024 } });
        await using var raw = await RawClient.ConnectAsync(harness.Proxy.Port);
        var body = new string('a', 2_500_000) + "end";

        await raw.SendAsync($"POST {Upstream.HttpUrl}/echo/segments HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
            $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n");
        var answer = await raw.ReadAsync(timeoutMs: 10_000);

        Assert.StartsWith("HTTP/1.1 200 ", answer, StringComparison.Ordinal);
        Assert.EndsWith("\n\n" + body, answer, StringComparison.Ordinal); // the origin echoed every byte
        var request = Assert.Single(harness.Proxy.Flows.Snapshot()).Request;
        Assert.Null(request.BodyForWriting!.SingleArray); // forwarded and kept as received: never joined
        Assert.Equal(body.Length, request.BodyLength);
        Assert.Equal(body, request.Text); // an addon or recorder asking for it still gets the whole body
        Assert.NotNull(request.BodyForWriting!.SingleArray);
    }
}
