using System.Globalization;
using MitmFixture.Http;

namespace MitmFixture.Replay;

/// <summary>
/// Moves a recorded response's dates to now (mitmproxy's <c>Response.refresh</c>): <c>Date</c>,
/// <c>Expires</c> and <c>Last-Modified</c> keep the offset they had from the recording time, as does
/// a cookie's <c>Expires</c>; unparseable header dates are left alone, an unparseable cookie expiry is
/// dropped, <c>Max-Age</c> is untouched.
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
            if (response.Headers.Get(name) is { } value && TryParseHttpDate(value, out var date))
            {
                response.Headers.Set(name, Format(date + delta));
            }
        }

        var cookies = response.Headers.GetAll("Set-Cookie");
        if (cookies.Count == 0)
        {
            return;
        }

        var refreshed = cookies.Select(c => RefreshCookie(c, delta)).ToList();
        response.Headers.Remove("Set-Cookie");
        foreach (var cookie in refreshed)
        {
            response.Headers.Add("Set-Cookie", cookie);
        }
    }

    private static string RefreshCookie(string cookie, TimeSpan delta)
    {
        var parts = cookie.Split(';');
        var kept = new List<string> { parts[0] };
        foreach (var part in parts.Skip(1))
        {
            var trimmed = part.Trim();
            if (!trimmed.StartsWith("expires=", StringComparison.OrdinalIgnoreCase))
            {
                kept.Add(trimmed);
                continue;
            }

            if (TryParseHttpDate(trimmed["expires=".Length..], out var expires))
            {
                kept.Add("expires=" + Format(expires + delta));
            }

            // An unparseable expiry is dropped, as mitmproxy does, rather than left to mislead.
        }

        return string.Join("; ", kept);
    }

    /// <summary>IMF-fixdate and the obsolete forms RFC 9110 §5.6.7 says recipients must accept.</summary>
    public static bool TryParseHttpDate(string text, out DateTimeOffset date)
    {
        string[] formats = ["r", "ddd, dd MMM yyyy HH:mm:ss 'GMT'", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd, dd-MMM-yyyy HH:mm:ss 'GMT'", "ddd, d MMM yyyy HH:mm:ss 'GMT'"];
        return DateTimeOffset.TryParseExact(text.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowInnerWhite, out date);
    }

    private static string Format(DateTimeOffset date) => date.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
}
