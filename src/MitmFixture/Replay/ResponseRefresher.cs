using System.Globalization;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>
/// Moves a recorded response's dates to now (mitmproxy's <c>Response.refresh</c>): <c>Date</c>,
/// <c>Expires</c> and <c>Last-Modified</c> keep the offset they had from the recording time, as does
/// a cookie's <c>Expires</c>; unparseable header dates, and dates that would move past the year 9999,
/// are left alone, an unparseable cookie expiry is dropped, <c>Max-Age</c> is untouched.
/// </summary>
internal static class ResponseRefresher
{
    private static readonly string[] DateHeaders = ["Date", "Expires", "Last-Modified"];

    public static void Refresh(HttpResponse response, DateTimeOffset now)
    {
        if (response.TimestampStart is not { } recorded)
        {
            return;
        }

        var delta = now - recorded;
        foreach (var name in DateHeaders)
        {
            if (response.Headers.Get(name) is { } value && TryParseHttpDate(value, out var date) && TryShift(date, delta, out var shifted))
            {
                response.Headers.Set(name, Format(shifted));
            }
        }

        // Each Set-Cookie keeps its place among the other fields, as mitmproxy's set_all keeps it.
        for (var i = 0; i < response.Headers.Count; i++)
        {
            var field = response.Headers[i];
            if (field.Name.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) && RefreshCookie(field.Value, delta) is var refreshed && refreshed != field.Value)
            {
                response.Headers.ReplaceAt(i, field.Name, refreshed);
            }
        }
    }

    /// <summary>
    /// The cookie with its <c>Expires</c> moved by <paramref name="delta"/>; everything else, the
    /// attribute's own spelling and the separators too, is kept as recorded.
    /// </summary>
    private static string RefreshCookie(string cookie, TimeSpan delta)
    {
        var parts = cookie.Split(';');
        var kept = new List<string>(parts.Length) { parts[0] };
        foreach (var part in parts.Skip(1))
        {
            var trimmed = part.TrimStart();
            if (!trimmed.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))
            {
                kept.Add(part);
                continue;
            }

            var prefix = part[..(part.Length - trimmed.Length + "expires=".Length)];
            if (!TryParseHttpDate(trimmed["expires=".Length..], out var expires))
            {
                continue; // An unparseable expiry is dropped, as mitmproxy does, rather than left to mislead.
            }

            kept.Add(TryShift(expires, delta, out var shifted) ? prefix + Format(shifted) : part);
        }

        return string.Join(';', kept);
    }

    /// <summary>
    /// <paramref name="date"/> moved by <paramref name="delta"/>, unless that leaves the calendar
    /// (an expiry of 31 Dec 9999, "never", cannot move later): then the date stays as recorded.
    /// </summary>
    private static bool TryShift(DateTimeOffset date, TimeSpan delta, out DateTimeOffset shifted)
    {
        var room = delta >= TimeSpan.Zero ? DateTimeOffset.MaxValue - date : date - DateTimeOffset.MinValue;
        shifted = room >= delta.Duration() ? date + delta : date;
        return room >= delta.Duration();
    }

    /// <summary>IMF-fixdate and the obsolete forms RFC 9110 §5.6.7 says recipients must accept.</summary>
    public static bool TryParseHttpDate(string text, out DateTimeOffset date)
    {
        string[] formats = ["r", "ddd, dd MMM yyyy HH:mm:ss 'GMT'", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd, dd-MMM-yyyy HH:mm:ss 'GMT'", "ddd, d MMM yyyy HH:mm:ss 'GMT'"];
        return DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite, out date);
    }

    private static string Format(DateTimeOffset date) => date.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
