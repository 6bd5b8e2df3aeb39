using MitmFixture.Http;
using MitmFixture.Replay;

namespace MitmFixture.Tests.Replay;

/// <summary>The cases of mitmproxy's Response.refresh tests.</summary>
public sealed class ResponseRefresherTests
{
    private static readonly DateTimeOffset Recorded = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static HttpResponse Response(params (string, string)[] headers)
    {
        var response = HttpResponse.Create(200, null, headers);
        response.TimestampStart = Recorded;
        return response;
    }

    [Fact]
    public void DateHeaders_KeepTheirOffsetFromTheRecording()
    {
        var response = Response(("Date", "Mon, 01 Jan 2024 12:00:00 GMT"), ("Expires", "Mon, 01 Jan 2024 13:00:00 GMT"), ("Last-Modified", "Sun, 31 Dec 2023 12:00:00 GMT"));

        ResponseRefresher.Refresh(response, Recorded.AddDays(10));

        Assert.Equal("Thu, 11 Jan 2024 12:00:00 GMT", response.Headers["Date"]);
        Assert.Equal("Thu, 11 Jan 2024 13:00:00 GMT", response.Headers["Expires"]);
        Assert.Equal("Wed, 10 Jan 2024 12:00:00 GMT", response.Headers["Last-Modified"]);
    }

    [Fact]
    public void UnparseableDate_IsLeftAlone()
    {
        var response = Response(("Expires", "0"));

        ResponseRefresher.Refresh(response, Recorded.AddDays(1));

        Assert.Equal("0", response.Headers["Expires"]);
    }

    [Fact]
    public void CookieExpiry_Shifted_UnparseableDropped_MaxAgeKept()
    {
        var response = Response(
            ("Set-Cookie", "a=1; Expires=Mon, 01 Jan 2024 13:00:00 GMT; Path=/"),
            ("Set-Cookie", "b=2; expires=not a date; Max-Age=60"));

        ResponseRefresher.Refresh(response, Recorded.AddHours(2));

        Assert.Equal(["a=1; Expires=Mon, 01 Jan 2024 15:00:00 GMT; Path=/", "b=2; Max-Age=60"], response.Headers.GetAll("Set-Cookie"));
    }

    [Fact]
    public void DatesAtTheEndOfTheCalendar_StayAsRecorded_InsteadOfThrowing()
    {
        // "Never expires" as servers spell it: moving it by the seconds since recording left DateTimeOffset's range,
        // and the exception made server replay forward the request to the live server.
        var response = Response(
            ("Expires", "Fri, 31 Dec 9999 23:59:59 GMT"),
            ("Set-Cookie", "ff=1234abcd; Expires=Fri, 31 Dec 9999 23:59:59 GMT; Path=/"));

        ResponseRefresher.Refresh(response, Recorded.AddSeconds(2));

        Assert.Equal("Fri, 31 Dec 9999 23:59:59 GMT", response.Headers["Expires"]);
        Assert.Equal("ff=1234abcd; Expires=Fri, 31 Dec 9999 23:59:59 GMT; Path=/", response.Headers["Set-Cookie"]);
    }

    [Fact]
    public void DatesAtTheStartOfTheCalendar_StayAsRecorded_WhenTheRecordingIsInTheFuture()
    {
        var response = Response(("Last-Modified", "Mon, 01 Jan 0001 00:00:00 GMT"));

        ResponseRefresher.Refresh(response, Recorded.AddDays(-1));

        Assert.Equal("Mon, 01 Jan 0001 00:00:00 GMT", response.Headers["Last-Modified"]);
    }

    [Fact]
    public void SetCookieFields_KeepTheirPlaceAndSpelling_WhenOnlyOneHasAnExpiry()
    {
        var response = Response(
            ("Set-Cookie", "a=1;Path=/;Domain=example.com"),
            ("X-CUSTOM-Thing", "x"),
            ("Set-Cookie", "b=2;  EXPIRES=Mon, 01 Jan 2024 13:00:00 GMT;HttpOnly"),
            ("Content-Length", "0"));

        ResponseRefresher.Refresh(response, Recorded.AddHours(1));

        Assert.Equal(
            ["Set-Cookie: a=1;Path=/;Domain=example.com", "X-CUSTOM-Thing: x", "Set-Cookie: b=2;  EXPIRES=Mon, 01 Jan 2024 14:00:00 GMT;HttpOnly", "Content-Length: 0"],
            [.. response.Headers.Select(f => $"{f.Name}: {f.Value}")]);
    }
}
