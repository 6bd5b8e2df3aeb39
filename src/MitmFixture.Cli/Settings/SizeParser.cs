using System.Globalization;

namespace MitmFixture.Cli.Settings;

/// <summary>Sizes for people: flow lines and the console (parsing sizes is the option registry's job).</summary>
internal static class SizeParser
{
    /// <summary>A short human size for flow lines: 512b, 1.2k, 3.4m.</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes}b",
        < 1024 * 1024 => Tenths(bytes, 1024, 'k'),
        < 1024L * 1024 * 1024 => Tenths(bytes, 1024 * 1024, 'm'),
        _ => Tenths(bytes, 1024L * 1024 * 1024, 'g'),
    };

    /// <summary>
    /// As the "0.#" format writes <paramref name="bytes"/> / <paramref name="unit"/> (one decimal, half
    /// away from zero, no ".0"), in integers: dump prints one size per flow, and the float format
    /// cost more CPU than the rest of the line (bench/RESULTS.md, "The floor").
    /// </summary>
    private static string Tenths(long bytes, long unit, char suffix)
    {
        var tenths = (long)Math.Round(bytes * 10.0 / unit, MidpointRounding.AwayFromZero);
        return tenths % 10 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{tenths / 10}{suffix}")
            : string.Create(CultureInfo.InvariantCulture, $"{tenths / 10}.{tenths % 10}{suffix}");
    }
}
