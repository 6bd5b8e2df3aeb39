using System.Globalization;

namespace MitmFixture.Cli.Settings;

/// <summary>Sizes as mitmproxy writes them: <c>1048576</c>, <c>512k</c>, <c>1m</c>, <c>2g</c> (powers of 1024).</summary>
internal static class SizeParser
{
    public static bool TryParse(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim().ToLowerInvariant();
        if (text.EndsWith('b'))
        {
            text = text[..^1];
        }

        long multiplier = 1;
        if (text.Length > 0 && char.IsLetter(text[^1]))
        {
            multiplier = text[^1] switch
            {
                'k' => 1024L,
                'm' => 1024L * 1024,
                'g' => 1024L * 1024 * 1024,
                _ => 0,
            };
            text = text[..^1];
        }

        if (multiplier == 0 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
        {
            return false;
        }

        bytes = number * multiplier;
        return true;
    }

    /// <summary>A short human size for flow lines: 512b, 1.2k, 3.4m.</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes}b",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + "m",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + "g",
    };
}
