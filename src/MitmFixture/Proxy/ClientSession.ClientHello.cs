using System.Net.Security;
using MitmFixture.Tls;

namespace MitmFixture.Proxy;

/// <summary>Peeking the client's ClientHello for its ALPN list, which .NET's SslClientHelloInfo does not expose.</summary>
internal sealed partial class ClientSession
{
    /// <summary>
    /// Reads the client's first TLS record whole (its header's length, at most 16 KiB + 5 bytes) and puts
    /// it back in front of <paramref name="stream"/> for SslStream to read again, returning the ALPN
    /// protocols its ClientHello offers (null: none, or unreadable; see <see cref="ClientHelloAlpn"/>).
    /// A client that stops, closes or stalls mid-record keeps what it sent: the handshake then fails on
    /// it with its usual error.
    /// </summary>
    private static async ValueTask<(List<SslApplicationProtocol>? Alpn, Stream Stream)> PeekClientHelloAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[ClientHelloAlpn.RecordHeaderLength];
        var filled = await ReadUpToAsync(stream, header, cancellationToken);
        var length = ClientHelloAlpn.RecordLength(header.AsSpan(0, filled));
        if (length < 0)
        {
            return (null, new PrefixedStream(header[..filled], stream));
        }

        var record = new byte[ClientHelloAlpn.RecordHeaderLength + length];
        header.CopyTo(record, 0);
        filled += await ReadUpToAsync(stream, record.AsMemory(filled), cancellationToken);
        return filled == record.Length
            ? (ClientHelloAlpn.Read(record), new PrefixedStream(record, stream))
            : (null, new PrefixedStream(record[..filled], stream));
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the client closes or the deadline passes; returns the bytes read.</summary>
    private static async ValueTask<int> ReadUpToAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer[filled..], cancellationToken);
                if (n == 0)
                {
                    break;
                }

                filled += n;
            }
        }
        catch (OperationCanceledException)
        {
            // The deadline passed: the handshake, on the same expired token, reports it.
        }

        return filled;
    }
}
