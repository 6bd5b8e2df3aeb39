using System.Globalization;

namespace MitmFixture.Proxy;

/// <summary>The value syntaxes options share, as mitmproxy writes them.</summary>
internal static class OptionParsers
{
    public static bool Bool(string text) => bool.TryParse(text, out var value) ? value : throw new FormatException("expected true or false");

    /// <summary>Sizes as mitmproxy writes them (<c>human.parse_size</c>): <c>1048576</c>, <c>100b</c>, <c>512k</c>, <c>1m</c>, <c>2g</c>, <c>1t</c> (powers of 1024), positive.</summary>
    public static long Size(string text)
    {
        const string Expected = "expected a size such as 1m, 512k or 1048576";
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
                't' => 1024L * 1024 * 1024 * 1024,
                _ => 0,
            };
            text = text[..^1];
        }

        if (multiplier == 0 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier || number == 0)
        {
            throw new FormatException(Expected);
        }

        return number * multiplier;
    }

    public static string ShowSize(long? bytes) => bytes switch
    {
        null => "",
        { } b when b % (1024L * 1024 * 1024 * 1024) == 0 => $"{b / (1024L * 1024 * 1024 * 1024)}t",
        { } b when b % (1024L * 1024 * 1024) == 0 => $"{b / (1024L * 1024 * 1024)}g",
        { } b when b % (1024L * 1024) == 0 => $"{b / (1024L * 1024)}m",
        { } b when b % 1024 == 0 => $"{b / 1024}k",
        { } b => b.ToString(CultureInfo.InvariantCulture),
    };

    public static TimeSpan Seconds(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new FormatException("expected a number of seconds greater than 0, such as 10 or 2.5");

    public static string ShowSeconds(TimeSpan time) => time.TotalSeconds.ToString(CultureInfo.InvariantCulture);

    /// <summary>A minimum data rate in bytes per second, keeping the current grace period; 0 turns the minimum off.</summary>
    public static Http.MinDataRate? Rate(string text, Http.MinDataRate? current) =>
        !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate < 0 || double.IsInfinity(rate)
            ? throw new FormatException("expected bytes per second, such as 240, or 0 for no minimum")
            : rate == 0 ? null : new Http.MinDataRate(rate, current?.GracePeriod ?? Http.MinDataRate.Default.GracePeriod);

    public static string ShowRate(Http.MinDataRate? rate) => rate is null ? "0" : rate.BytesPerSecond.ToString(CultureInfo.InvariantCulture);

    /// <summary>A whole number of 1 or more.</summary>
    public static int AtLeastOne(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            ? count
            : throw new FormatException("expected a whole number of 1 or more, such as 4");

    public static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535
            ? port
            : throw new FormatException("expected a port, 0 to 65535 (0 picks a free one)");

    /// <summary><c>HOST:PORT</c>, with IPv6 hosts in brackets.</summary>
    public static (string Host, int Port) Listen(string text)
    {
        const string Expected = "expected HOST:PORT such as 127.0.0.1:8080 (port 0 picks a free one)";
        var colon = text.LastIndexOf(':');
        var host = colon < 0 ? "" : text[..colon].Trim('[', ']');
        if (host.Length == 0)
        {
            throw new FormatException(Expected);
        }

        try
        {
            return (host, Port(text[(colon + 1)..]));
        }
        catch (FormatException)
        {
            throw new FormatException(Expected);
        }
    }

    /// <summary>A header name: an RFC 9110 token, checked where every option that names a header is (one place, <see cref="Http.HttpSyntax.HeaderName"/>).</summary>
    public static string HeaderName(string text) => Http.HttpSyntax.HeaderName(text) is { } problem ? throw new FormatException(problem) : text;

    public static string NotEmpty(string text) => text.Length > 0 ? text : throw new FormatException("expected a value");

    public static string Regex(string text)
    {
        try
        {
            _ = new System.Text.RegularExpressions.Regex(NotEmpty(text));
            return text;
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"expected a regular expression: {e.Message}");
        }
    }

    public static string Filter(string text) =>
        Filters.FlowFilter.TryParse(NotEmpty(text), out _, out var error) ? text : throw new FormatException($"expected a filter expression: {error.Message}");

    public static string Show(IReadOnlyList<string> values) => values.Count == 0 ? "" : string.Join(", ", values);
}
