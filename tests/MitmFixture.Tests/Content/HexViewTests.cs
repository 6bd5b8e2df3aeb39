using MitmFixture.Content;

namespace MitmFixture.Tests.Content;

public sealed class HexViewTests
{
    [Fact]
    public void Render_Bytes_ShowsOffsetHexPairsAndPrintableAscii() =>
        Assert.Equal(
            [
                "0000000000 48 65 6c 6c 6f 2c 20 57 6f 72 6c 64 21 0a 00 7f   Hello, World!...",
                "0000000010 80 ff 7e 20".PadRight(11 + 47) + "   ..~ ",
            ],
            Render([.. "Hello, World!\n"u8, 0x00, 0x7F, 0x80, 0xFF, (byte)'~', (byte)' ']));

    [Fact]
    public void Render_ExactlySixteenBytes_IsOneFullLine() =>
        Assert.Equal(["0000000000 " + string.Join(" ", Enumerable.Repeat("61", 16)) + "   " + new string('a', 16)], Render(new byte[16].Select(_ => (byte)'a').ToArray()));

    [Fact]
    public void Render_LaterLines_CountOffsetsInHex() =>
        Assert.StartsWith("00000000f0 ", Render(new byte[256])[15], StringComparison.Ordinal);

    [Fact]
    public void Render_MoreLinesThanTheLimit_ComputesTheRestWithoutFormattingIt()
    {
        var lines = new LineCollector(3);

        HexView.Render(new byte[(16 * 1000) + 5], lines);

        Assert.Equal("[… 998 more lines not shown]", lines.ToList()[^1]);
    }

    private static IReadOnlyList<string> Render(byte[] body)
    {
        var lines = new LineCollector(1000);
        HexView.Render(body, lines);
        return lines.ToList();
    }
}
