using System.IO.Pipelines;
using System.Net.Sockets;
using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>A paused (intercepted) flow: waiting for the user while watching whether the client is still there.</summary>
internal sealed partial class ClientSession
{
    /// <summary>The message mitmproxy gives a flow whose client went away before its answer (proxy/layers/http/_http1.py).</summary>
    internal const string ClientDisconnectedMessage = "Client disconnected.";

    /// <summary>
    /// Unread client bytes the watch holds before it stops looking (a client uploading a large body
    /// while its flow is paused); after that a disconnect is only noticed once the flow resumes.
    /// </summary>
    private const long MaxBufferedWhilePaused = 64 * 1024;

    /// <summary>The client connection requests are read from, watched while a flow is paused; null for a replay.</summary>
    private DuplexConnection? _connection;

    /// <summary>
    /// Waits until the user resumes or kills the paused flow. Meanwhile the client connection is read
    /// without consuming anything, so a client that leaves is noticed: its flow gets the error
    /// "Client disconnected." and is killed, so it never goes upstream (or its response to the
    /// client) and the session ends. As in mitmproxy, a FIN counts as leaving even if the client only
    /// half-closed (mitmproxy's Http1Connection.wait, citing httpwg/http-core#22).
    /// <code>
    /// paused ─┬─ resumed / killed by the user ─► stop the watch ─► hand the reader back ─► go on
    ///         └─ client FIN or reset ─► error "Client disconnected." + kill ─► session ends
    /// </code>
    /// </summary>
    private async ValueTask WaitWhilePausedAsync(Flow flow, CancellationToken cancellationToken)
    {
        var resumed = flow.WaitWhileInterceptedAsync(cancellationToken);
        if (_streamAborted.CanBeCanceled && !resumed.IsCompleted)
        {
            await WaitWhileStreamPausedAsync(flow, resumed); // an HTTP/2 stream: ClientSession.StreamPause.cs
            return;
        }

        if (_connection is not { } client || resumed.IsCompleted)
        {
            await resumed;
            return;
        }

        // 1. Race the user against the client.
        bool gone;
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var watch = ClientGoneAsync(client.Reader, stop.Token);
            await Task.WhenAny(resumed, watch);
            await stop.CancelAsync();
            try
            {
                gone = await watch;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                gone = false;
            }
        }

        // 2. A client that left: the flow ends here, whatever the user does later.
        if (gone)
        {
            ProxyLog.ClientLeftWhilePaused(_context.Logger, ClientName, flow.Request.Method, flow.Request.Url);
            flow.Error ??= new FlowError(ClientDisconnectedMessage, _context.Time.GetUtcNow());
            flow.Kill(_context.Time);
            return;
        }

        // 3. Hand the reader back as the exchange left it: what arrived meanwhile (a pipelined request,
        // a body) must be unexamined, or the next read would wait for bytes beyond it. A pending
        // cancellation makes the read return at once; it also clears a cancellation that raced the
        // end of the watch's last read inside the pipe reader.
        client.Reader.CancelPendingRead();
        var pending = await client.Reader.ReadAsync(CancellationToken.None);
        client.Reader.AdvanceTo(pending.Buffer.Start);
        await resumed;
    }

    /// <summary>
    /// Reads the client until it closes (true) or has sent more than the watch will hold (false),
    /// examining what arrives without consuming it. Cancelled when the flow resumes.
    /// </summary>
    private static async Task<bool> ClientGoneAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                return true; // reset
            }

            var buffer = result.Buffer;
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return true;
            }

            if (result.IsCanceled || buffer.Length > MaxBufferedWhilePaused)
            {
                return false;
            }
        }
    }
}
