using System.Buffers.Binary;

namespace MitmFixture.Proxy;

/// <summary>
/// Takes back Kestrel's SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3) from the first SETTINGS frame it
/// sends a client. Kestrel always offers the extended CONNECT, and a client that sees it (Chrome,
/// ClientWebSocket over h2) opens its WebSockets as h2 streams, which the proxy does not relay: the
/// handshake would reach the server as a plain CONNECT. With the setting at 0, as mitmproxy's HTTP/2
/// server has it, clients open WebSockets over HTTP/1.1, which the proxy intercepts and records.
/// </summary>
internal static class Http2ConnectProtocolSetting
{
    private const byte SettingsType = 0x4;
    private const ushort EnableConnectProtocol = 0x8;

    /// <summary>
    /// <paramref name="firstWrite"/> with the setting's value 1 turned to 0 (same length: RFC 8441 §3
    /// allows 0 as long as 1 was never sent), or itself when its first frame is not a whole
    /// non-ACK SETTINGS frame on stream 0 that carries the setting.
    /// </summary>
    public static ReadOnlyMemory<byte> Withdraw(ReadOnlyMemory<byte> firstWrite)
    {
        var span = firstWrite.Span;
        if (span.Length < 9 || span[3] != SettingsType || (span[4] & 0x1) != 0 || (BinaryPrimitives.ReadUInt32BigEndian(span[5..]) & 0x7fffffff) != 0)
        {
            return firstWrite;
        }

        var length = (span[0] << 16) | (span[1] << 8) | span[2];
        if (length % 6 != 0 || span.Length < 9 + length)
        {
            return firstWrite;
        }

        for (var entry = 9; entry < 9 + length; entry += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(span[entry..]) == EnableConnectProtocol && BinaryPrimitives.ReadUInt32BigEndian(span[(entry + 2)..]) != 0)
            {
                var copy = firstWrite.ToArray();
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(entry + 2), 0);
                return copy;
            }
        }

        return firstWrite;
    }
}
