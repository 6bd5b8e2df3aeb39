using System.Net.Sockets;
using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>A paused flow of an HTTP/2 stream: only that stream waits, and a client that resets it or leaves ends the flow.</summary>
internal sealed partial class ClientSession
{
    /// <summary>The name mitmproxy gives a flow whose h2 client reset its stream (proxy/layers/http/_http2.py); Kestrel does not pass on the error code.</summary>
    internal const string StreamResetMessage = "stream reset by client (RST_STREAM)";

    /// <summary>On an h2 stream's session: Kestrel's RequestAborted, cancelled when the client resets the stream or the connection ends.</summary>
    private CancellationToken _streamAborted;

    /// <summary>On an h2 stream's session: the client connection's socket, looked at to tell a reset stream from a closed connection.</summary>
    private Socket? _streamClientSocket;

    /// <summary>Tells this stream session about its stream and connection, so a paused flow can see the client go (Kestrel's per-stream abort).</summary>
    private void WatchStream(Socket? clientSocket, CancellationToken streamAborted)
    {
        _streamAborted = streamAborted;
        _streamClientSocket = clientSocket;
    }

    /// <summary>
    /// Waits for the user while watching the stream. Other streams of the connection go on meanwhile:
    /// each is served on its own task. A stream reset (RST_STREAM) or a connection the client closed
    /// ends the flow with an error naming which, and kills it, so nothing goes on to the server.
    /// </summary>
    private async ValueTask WaitWhileStreamPausedAsync(Flow flow, Task resumed)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (_streamAborted.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), aborted))
        {
            await Task.WhenAny(resumed, aborted.Task);
        }

        if (!_streamAborted.IsCancellationRequested || resumed.IsCompletedSuccessfully)
        {
            await resumed;
            return;
        }

        var message = StreamEndedMessage(_streamClientSocket);
        ProxyLog.ClientLeftWhilePaused(_context.Logger, ClientName, flow.Request.Method, flow.Request.Url);
        flow.Error ??= new FlowError(message, _context.Time.GetUtcNow());
        flow.Kill(_context.Time);
    }

    /// <summary>Why a stream's RequestAborted fired: the client closed the connection (<see cref="ClientDisconnectedMessage"/>), or reset the stream (<see cref="StreamResetMessage"/>).</summary>
    private static string StreamEndedMessage(Socket? clientSocket) => ClientConnectionClosed(clientSocket) ? ClientDisconnectedMessage : StreamResetMessage;

    /// <summary>True when the client's end of the connection is closed: readable with nothing to read (a FIN), an error, or already disposed.</summary>
    private static bool ClientConnectionClosed(Socket? socket)
    {
        if (socket is null)
        {
            return false;
        }

        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }
}
