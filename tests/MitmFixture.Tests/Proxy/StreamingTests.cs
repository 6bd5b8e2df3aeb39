using System.Globalization;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

public sealed class StreamingTests(UpstreamFixture fixture) : IClassFixture<UpstreamFixture>
{
    private const long Size = 64L * 1024 * 1024;

    private TestUpstream Upstream => fixture.Upstream;

    [Fact]
    public async Task LargeResponse_OverThreshold_IsStreamedNotBuffered()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 1024 * 1024 });

        using var response = await harness.CreateClient().GetAsync($"{Upstream.HttpUrl}/bytes/{Size}", HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var total = await CountAsync(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        Assert.Equal(Size, total);
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Response!.Stream);
        Assert.Null(flow.Response.Body);
    }

    [Fact]
    public async Task LargeChunkedUpload_OverThreshold_IsStreamedToServer()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { StreamLargeBodies = 1024 * 1024 });
        using var content = new StreamContent(new PatternStream(Size));

        using var response = await harness.CreateClient().PostAsync($"{Upstream.HttpUrl}/count", content, TestContext.Current.CancellationToken);

        Assert.Equal(Size.ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var flow = Assert.Single(harness.Proxy.Flows.Snapshot());
        Assert.True(flow.Request.Stream);
        Assert.Null(flow.Request.Body);
    }

    [Fact]
    public async Task BodyOverBufferLimit_WithoutStreaming_Gets413()
    {
        await using var harness = await ProxyHarness.StartAsync(Upstream, o => o with { Limits = o.Limits with { MaxBufferedBodyBytes = 1000 } });

        using var response = await harness.CreateClient().PostAsync($"{Upstream.HttpUrl}/count", new ByteArrayContent(new byte[5000]), TestContext.Current.CancellationToken);

        Assert.Equal(413, (int)response.StatusCode);
    }

    private static async Task<long> CountAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken)) > 0)
        {
            total += n;
        }

        return total;
    }

    /// <summary>A body of known length produced on the fly, with no length known up front (so HttpClient sends it chunked).</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)'x');
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
