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
        if (flow.Response is { } response)
        {
            var size = response.BodyLength is { } length ? SizeParser.Format(length) : "streamed";
            var websocket = flow.WebSocket is { } ws ? $" websocket {ws.Messages.Count} messages" : "";
            outcome = $"{response.StatusCode} {DisplayText.Sanitize(response.Reason)} {size}{websocket}";
        }
        else
        {
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

    private static string FormatDuration(TimeSpan span) =>
        span.TotalMilliseconds < 1000
            ? span.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + "ms"
            : span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
}
