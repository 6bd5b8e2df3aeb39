using System.Security.Cryptography;

namespace MitmFixture.Flows;

/// <summary>
/// Random (version 4) UUIDs for flow and connection ids, as mitmproxy's uuid.uuid4(), from a
/// per-thread block of cryptographically random bytes. <see cref="Guid.NewGuid"/> reads 16 bytes of
/// /dev/urandom per call on Linux: one system call per proxied request, measured at up to a tenth of
/// a request's syscalls (bench/RESULTS.md, issue 20); a block serves 256 ids per read.
/// </summary>
internal static class RandomIds
{
    private const int IdsPerBlock = 256;

    [ThreadStatic]
    private static byte[]? t_block;

    [ThreadStatic]
    private static int t_next;

    public static Guid NewGuid()
    {
        var block = t_block ??= new byte[16 * IdsPerBlock];
        if (t_next == 0)
        {
            RandomNumberGenerator.Fill(block);
        }

        Span<byte> bytes = stackalloc byte[16];
        block.AsSpan(t_next * 16, 16).CopyTo(bytes);
        t_next = (t_next + 1) % IdsPerBlock;

        // RFC 9562 §5.4: version 4 in the high nibble of octet 6, variant 10 in the top bits of octet 8.
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
