using System.Globalization;
using MitmFixture.Cli.Settings;

namespace MitmFixture.Tests.Cli.Settings;

public sealed class SizeParserTests
{
    [Theory]
    [InlineData(0, "0b")]
    [InlineData(1023, "1023b")]
    [InlineData(1024, "1k")]
    [InlineData(1536, "1.5k")]
    [InlineData(1075, "1k")] // 1.0498k
    [InlineData(1076, "1.1k")] // 1.0508k
    [InlineData(1024 * 1024 - 1, "1024k")]
    [InlineData(1024 * 1024, "1m")]
    [InlineData(5L * 1024 * 1024 * 1024 / 2, "2.5g")]
    public void Format_OneDecimalWithoutATrailingZero(long bytes, string expected) =>
        Assert.Equal(expected, SizeParser.Format(bytes));

    [Fact]
    public void Format_MatchesTheZeroPointHashFormatAcrossUnits()
    {
        var random = new Random(20);
        for (var i = 0; i < 10_000; i++)
        {
            var bytes = random.NextInt64(1024, 1L << 40);
            var unit = bytes < 1024 * 1024 ? 1024.0 : bytes < 1024L * 1024 * 1024 ? 1024.0 * 1024 : 1024.0 * 1024 * 1024;
            var suffix = bytes < 1024 * 1024 ? "k" : bytes < 1024L * 1024 * 1024 ? "m" : "g";
            Assert.Equal((bytes / unit).ToString("0.#", CultureInfo.InvariantCulture) + suffix, SizeParser.Format(bytes));
        }
    }
}
