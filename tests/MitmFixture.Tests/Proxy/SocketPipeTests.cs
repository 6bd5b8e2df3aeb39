using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Proxy;

/// <summary>
/// The socket transport's reader and writer on a real loopback connection: the pipe semantics the
/// session relies on (examined bytes, pending cancellation, zero-byte waits, flush-time sends).
/// </summary>
public sealed class SocketPipeTests : IAsyncLifetime
{
    private Socket _ours = null!;
    private Socket _peer = null!;

    public async ValueTask InitializeAsync()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _peer = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var accept = listener.AcceptAsync();
        await _peer.ConnectAsync(listener.LocalEndPoint!);
        _ours = await accept;
    }

    public ValueTask DisposeAsync()
    {
        _ours.Dispose();
        _peer.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task ReadAsync_BytesExaminedButNotConsumed_NextReadWaitsForMoreAndReturnsBoth()
    {
        var reader = new SocketPipeReader(_ours);
        await _peer.SendAsync("GET / HT"u8.ToArray());
        var first = await reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.Equal("GET / HT", Text(first.Buffer));
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);

        Assert.False(reader.TryRead(out _)); // everything examined: nothing new without the socket
        var next = reader.ReadAsync(TestContext.Current.CancellationToken);
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(next.IsCompleted);
        await _peer.SendAsync("TP/1.1\r\n\r\n"u8.ToArray());
        var second = await next;
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Text(second.Buffer));
        Assert.True(second.Buffer.IsSingleSegment);
        reader.AdvanceTo(second.Buffer.GetPosition(4));
        Assert.True(reader.TryRead(out var rest));
        Assert.Equal("/ HTTP/1.1\r\n\r\n", Text(rest.Buffer));
        reader.AdvanceTo(rest.Buffer.End);
    }

    [Fact]
    public async Task ReadAsync_LongerThanTheBuffer_GrowsAndKeepsEveryByte()
    {
        var reader = new SocketPipeReader(_ours);
        var big = Encoding.ASCII.GetBytes(new string('a', 100_000) + "END");
        var send = _peer.SendAsync(big);
        ReadResult result;
        while (true)
        {
            result = await reader.ReadAsync(TestContext.Current.CancellationToken);
            if (result.Buffer.Length == big.Length)
            {
                break;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End); // like a parser waiting for the end of a head
        }

        Assert.Equal(big, result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.End);
        await send;
    }

    [Fact]
    public async Task ReadAsync_BytesAlreadyWaiting_CompletesWithoutWaiting()
    {
        var reader = new SocketPipeReader(_ours);
        await _peer.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray());
        await Eventually.TrueAsync(() => _ours.Available == 18);

        var read = reader.ReadAsync(TestContext.Current.CancellationToken).AsTask();
        Assert.True(read.IsCompletedSuccessfully); // one non-blocking receive, no zero-byte wait first
        var result = await read;
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Text(result.Buffer));
        reader.AdvanceTo(result.Buffer.End);

        var next = reader.ReadAsync(TestContext.Current.CancellationToken).AsTask(); // nothing there: waits, holding no buffer
        Assert.False(next.IsCompleted);
        await _peer.SendAsync("x"u8.ToArray());
        Assert.Equal("x", Text((await next).Buffer));
    }

    [Fact]
    public async Task Stream_AfterTheSocketReader_ReadsAndWritesAsABlockingStream()
    {
        await using var connection = new DuplexConnection(_ours); // the reader makes the socket non-blocking
        await _peer.SendAsync("ping"u8.ToArray());
        var stream = await connection.DetachAsync(); // as after CONNECT: a NetworkStream over the same socket

        var buffer = new byte[4];
        await stream.ReadExactlyAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("ping", Encoding.ASCII.GetString(buffer));
        await stream.WriteAsync("pong"u8.ToArray(), TestContext.Current.CancellationToken);
        var n = await _peer.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task CancelPendingRead_DuringAReceive_ReturnsCanceledAndTheNextReadStillGetsTheBytes()
    {
        var reader = new SocketPipeReader(_ours);
        var pending = reader.ReadAsync(TestContext.Current.CancellationToken);
        reader.CancelPendingRead();
        var canceled = await pending;
        Assert.True(canceled.IsCanceled);
        reader.AdvanceTo(canceled.Buffer.Start);

        await _peer.SendAsync("hello"u8.ToArray());
        var result = await reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.False(result.IsCanceled);
        Assert.Equal("hello", Text(result.Buffer));
    }

    [Fact]
    public async Task ReadAsync_CallerTokenCancelled_ThrowsOperationCanceled()
    {
        var reader = new SocketPipeReader(_ours);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadAsync(timeout.Token));
    }

    [Fact]
    public async Task ReadAsync_PeerClosesOrResets_CompletesOrThrowsIOException()
    {
        var reader = new SocketPipeReader(_ours);
        _peer.Shutdown(SocketShutdown.Send);
        var end = await reader.ReadAsync(TestContext.Current.CancellationToken);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);

        _peer.LingerState = new LingerOption(true, 0);
        _peer.Close(); // RST
        var writer = new SocketPipeWriter(_ours);
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await writer.WriteAsync(new byte[64 * 1024], TestContext.Current.CancellationToken);
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }
        });
    }

    [Fact]
    public async Task FlushAsync_HeadAndBodyWrittenSeparately_ArriveTogetherAndNothingIsHeldAfter()
    {
        var writer = new SocketPipeWriter(_ours);
        writer.Write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"u8);
        writer.Write("hello"u8);
        Assert.Equal(43, writer.UnflushedBytes);
        await writer.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, writer.UnflushedBytes);

        var buffer = new byte[100];
        var n = await _peer.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task CompleteAsync_UnflushedBytesAndLargeWrites_SendsEverythingInOrder()
    {
        var writer = new SocketPipeWriter(_ours);
        var body = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        writer.Write(body.AsSpan(0, 70_000));
        writer.Write(body.AsSpan(70_000));
        var received = new MemoryStream();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[65536];
            while (received.Length < body.Length)
            {
                var n = await _peer.ReceiveAsync(buffer, TestContext.Current.CancellationToken);
                received.Write(buffer, 0, n);
            }
        }, TestContext.Current.CancellationToken);

        await writer.CompleteAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(body, received.ToArray());
        Assert.Throws<InvalidOperationException>(() => writer.GetSpan());
    }

    private static string Text(ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());
}
