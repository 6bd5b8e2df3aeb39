using System.Buffers;
using System.Text;
using MitmFixture.Flows;

namespace MitmFixture.Proxy;

/// <summary>
/// One response per request on a reused server connection. A server may send nothing but the answer
/// to the request it was sent (RFC 9112 §9.3); bytes past the end of that answer (a second,
/// unsolicited response, a body longer than its Content-Length, a body on a 204, 304 or HEAD answer)
/// would otherwise be read as the answer to the next request on the connection, served to the
/// client and recorded. As mitmproxy does ("Unexpected data from server", proxy/layers/http/_http1.py),
/// such a connection is discarded: the surplus is logged, never parsed, and the next request gets a
/// fresh connection and its own answer.
/// </summary>
internal sealed partial class ClientSession
{
    /// <summary>The <see cref="Flow.Metadata"/> key under which a discarded surplus is described.</summary>
    public const string ServerSurplusMetadataKey = "server_surplus";

    private const int SurplusPreviewBytes = 64;

    /// <summary>
    /// Called when a response is complete and the server connection would be kept. Bytes already
    /// waiting past the response rule the connection out; otherwise a read is left pending while it
    /// is idle, so that bytes arriving later are seen too (<see cref="IdleConnectionUsableAsync"/>).
    /// </summary>
    private async ValueTask KeepOrDiscardAsync(Flow flow, UpstreamConnection upstream)
    {
        var reader = upstream.Connection.Reader;
        if (reader.TryRead(out var result))
        {
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                NoteSurplus(flow, upstream, buffer, "after the response");
            }

            reader.AdvanceTo(buffer.End);
            await DropUpstreamAsync(); // surplus, or the server already closed
            return;
        }

        upstream.WatchWhileIdle();
    }

    /// <summary>
    /// Called before an idle server connection is reused: anything that arrived while it was idle
    /// (a late surplus, or the server's close) rules it out. A surplus that arrives after this
    /// check, while the request is on its way, cannot be told from the answer, as in any HTTP/1.1 client.
    /// </summary>
    private async ValueTask<bool> IdleConnectionUsableAsync(UpstreamConnection upstream, Flow? flow)
    {
        if (!upstream.IdleReadCompleted)
        {
            return true;
        }

        try
        {
            var result = await upstream.ReadAsync(CancellationToken.None); // already complete
            if (!result.Buffer.IsEmpty)
            {
                NoteSurplus(flow, upstream, result.Buffer, "while the connection was idle, after the previous response");
            }

            upstream.Connection.Reader.AdvanceTo(result.Buffer.End);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            // Reset while idle: just as unusable.
        }

        return false;
    }

    private void NoteSurplus(Flow? flow, UpstreamConnection upstream, ReadOnlySequence<byte> surplus, string when)
    {
        if (OnlyLineEnds(surplus))
        {
            return; // a stray CRLF after a body is a common server quirk: still dropped, but not worth a warning
        }

        var preview = Escape(surplus.Slice(0, Math.Min(surplus.Length, SurplusPreviewBytes)).ToArray()) + (surplus.Length > SurplusPreviewBytes ? "..." : "");
        var description = $"the server sent {surplus.Length} unexpected byte{(surplus.Length == 1 ? "" : "s")} {when}; " +
            $"the connection was discarded: {preview}";
        ProxyLog.ServerSurplus(_context.Logger, $"{upstream.Key.Host}:{upstream.Key.Port}", description);
        if (flow is not null)
        {
            flow.Metadata[ServerSurplusMetadataKey] = description;
        }
    }

    private static bool OnlyLineEnds(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            if (segment.Span.IndexOfAnyExcept((byte)'\r', (byte)'\n') >= 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Printable ASCII as is, the rest as \r, \n, \t or \xNN, like the bytes repr in mitmproxy's log line.</summary>
    private static string Escape(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length + 2).Append('\'');
        foreach (var b in bytes)
        {
            text.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\\' => "\\\\",
                (byte)'\'' => "\\'",
                >= 0x20 and < 0x7F => ((char)b).ToString(),
                _ => $"\\x{b:x2}",
            });
        }

        return text.Append('\'').ToString();
    }
}
