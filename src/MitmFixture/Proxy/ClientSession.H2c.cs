using MitmFixture.Http;

namespace MitmFixture.Proxy;

/// <summary>
/// h2c with prior knowledge (RFC 9113 §3.3): a cleartext client that opens with the HTTP/2 preface.
/// <code>
/// cleartext connection ─► "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" ─┬─ server known (reverse mode, CONNECT, SOCKS5) and http2 on ─► Kestrel, as after ALPN h2
///                                                         └─ otherwise ─► SETTINGS + GOAWAY HTTP_1_1_REQUIRED naming why ─► close
/// </code>
/// mitmproxy has no h2c at all (its disable_h2c addon kills a prior-knowledge connection); here a
/// connection whose server is already known is served, because reverse-proxying a gRPC or h2c
/// service in cleartext is the common case in a test suite. A forward proxy's client has no
/// server yet, so it is told to speak HTTP/1.1, as mitmproxy in effect does.
/// </summary>
internal sealed partial class ClientSession
{
    /// <summary>How long a refused h2c client may keep sending before the connection closes: enough to read the GOAWAY.</summary>
    private static readonly TimeSpan RefusalLinger = TimeSpan.FromSeconds(1);

    private static bool IsHttp2Preface(HttpRequest request) => request is { Method: "PRI", Path: "*", HttpVersion: "HTTP/2.0" };

    /// <summary>
    /// The HTTP/1.1 upgrade to h2c (RFC 7540 §3.2, dropped by RFC 9113) is not spoken: a server that
    /// accepted it would switch the connection to frames the proxy would relay as something else. As
    /// mitmproxy's disable_h2c addon does, <c>Upgrade: h2c</c> and <c>HTTP2-Settings</c> are removed
    /// (and their Connection tokens, keeping any other such as close), so the exchange stays HTTP/1.1.
    /// </summary>
    private void StripH2cUpgrade(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.Get("Upgrade") is not { } upgrade || !upgrade.Trim().Equals("h2c", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        headers.Remove("Upgrade");
        headers.Remove("HTTP2-Settings");
        if (headers.Get("Connection") is { } connection)
        {
            var kept = connection.Split(',').Select(t => t.Trim())
                .Where(t => t.Length > 0 && !t.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) && !t.Equals("HTTP2-Settings", StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (kept.Count == 0)
            {
                headers.Remove("Connection");
            }
            else
            {
                headers.Set("Connection", string.Join(", ", kept));
            }
        }

        ProxyLog.H2cUpgradeRemoved(_context.Logger, ClientName, request.Url);
    }

    /// <summary>Serves an h2c connection whose preface is still unread in <paramref name="connection"/>, or refuses it.</summary>
    private async Task ServeH2cAsync(DuplexConnection connection, TunnelTarget? tunnel)
    {
        var refusal = !_context.Options.Http2 ? "HTTP/2 is turned off (http2=false): use HTTP/1.1"
            : tunnel is null ? "h2c needs a known server (reverse mode, or a CONNECT first): send HTTP/1.1 to this proxy"
            : null;
        if (refusal is not null)
        {
            ProxyLog.H2cRefused(_context.Logger, ClientName, refusal);
            await RefuseH2cAsync(connection, refusal);
            return;
        }

        var stream = await connection.DetachAsync();
        _connection = null; // Kestrel reads the client from here on
        await using (stream)
        {
            // Through a tunnel the client chose h2c for that server itself, so the server gets h2c too.
            await ServeHttp2Async(stream, tunnel!, h2cTunnel: _context.Options.Mode.Kind != ProxyModeKind.Reverse); // not null: checked above
        }
    }

    /// <summary>Sends the refusal frames, then reads (and drops) what the client still sends for a moment, so the close is a FIN and not a reset that could destroy the GOAWAY unread.</summary>
    private async Task RefuseH2cAsync(DuplexConnection connection, string reason)
    {
        var reader = connection.Reader;
        if (reader.TryRead(out var pending))
        {
            reader.AdvanceTo(pending.Buffer.End);
        }

        Http2Cleartext.WriteRefusal(connection.Writer, reason);
        await connection.Writer.FlushAsync(Shutdown);
        var token = _clientDeadline.Arm(RefusalLinger);
        long drained = 0;
        try
        {
            while (drained < 64 * 1024)
            {
                var result = await reader.ReadAsync(token);
                drained += result.Buffer.Length;
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_clientDeadline.Expired)
        {
            // The client did not close after the GOAWAY; we do.
        }
    }
}
