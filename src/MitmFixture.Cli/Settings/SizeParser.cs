using System.Globalization;

namespace MitmFixture.Cli.Settings;

/// <summary>Sizes for people: flow lines and the console (parsing sizes is the option registry's job).</summary>
internal static class SizeParser
{
    /// <summary>A short human size for flow lines: 512b, 1.2k, 3.4m.</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 1024 => $"{bytes}b",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + "m",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + "g",
    };
}
