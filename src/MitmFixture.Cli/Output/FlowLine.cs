using System.Globalization;
using MitmFixture.Cli.Settings;
using MitmFixture.Content;
using MitmFixture.Flows;

namespace MitmFixture.Cli.Output;

/// <summary>
/// The one line mitmfixture dump prints per finished flow: client, method, URL, status, size, duration.
/// Method, URL, reason and error come from the network, so they are escaped (<see cref="DisplayText"/>).
/// </summary>
internal static class FlowLine
{
    public static string Format(Flow flow)
    {
        var request = flow.Request;
        var client = flow.Client.PeerAddress?.ToString() ?? "-";
        var duration = Duration(flow) ?? "-";
        string outcome;
        if (flow.Response is { } response && flow.Error is null)
        {
            var size = response.BodyLength is { } length ? SizeParser.Format(length) : "streamed";
            var websocket = flow.WebSocket is { } ws ? $" websocket {ws.Messages.Count} messages" : "";
            outcome = $"{response.StatusCode} {DisplayText.Sanitize(response.Reason)} {size}{websocket}";
        }
        else
        {
            // An error wins over a response head already read (a body cut short, a bad chunk): the
            // client got the proxy's 502 or a cut-off answer, not that response (mitmdump prints the error too).
            outcome = $"error: {DisplayText.Sanitize(flow.Error?.Message ?? "no response")}";
        }

        var replay = flow.Replay == ReplayKind.None ? "" : " [replay]";
        return $"{client} {DisplayText.Sanitize(request.Method)} {DisplayText.Sanitize(request.Url)} << {outcome} {duration}{replay}";
    }

    /// <summary>From the request's start to the response's end (or the error), e.g. "31ms" or "1.2s"; null while unknown.</summary>
    public static string? Duration(Flow flow)
    {
        var start = flow.Request.TimestampStart;
        var end = flow.Response?.TimestampEnd ?? flow.Error?.Timestamp;
        return start is { } s && end is { } e ? FormatDuration(e - s) : null;
    }

    /// <summary>
    /// Whole milliseconds below a second, else seconds to one decimal, rounded half away from zero as
    /// the "0" and "0.0" formats do; in integers, because custom float formats cost more CPU than
    /// proxying the request's bytes (bench/RESULTS.md, "The floor").
    /// </summary>
    private static string FormatDuration(TimeSpan span)
    {
        if (span.TotalMilliseconds < 1000)
        {
            var milliseconds = (long)Math.Round(span.TotalMilliseconds, MidpointRounding.AwayFromZero);
            return string.Create(CultureInfo.InvariantCulture, $"{milliseconds}ms");
        }

        var tenths = (long)Math.Round(span.TotalSeconds * 10, MidpointRounding.AwayFromZero);
        return string.Create(CultureInfo.InvariantCulture, $"{tenths / 10}.{tenths % 10}s");
    }
}
