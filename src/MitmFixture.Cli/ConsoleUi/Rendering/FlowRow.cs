using System.Globalization;
using MitmFixture.Cli.Settings;
using MitmFixture.Content;
using MitmFixture.Flows;
using Spectre.Console;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>
/// One flow as a row of the flow list (and the flow view's summary): method, URL, status, type,
/// size and duration; replayed flows marked ↻, intercepted flows in orange, killed ones in red.
/// </summary>
internal static class FlowRow
{
    private const int RightWidth = 38;

    /// <summary>The content type column (16 and a space), the first to go on a narrow terminal.</summary>
    private const int TypeWidth = 17;

    /// <summary>The URL keeps at least this much before the content type column gives way.</summary>
    private const int MinUrlWidth = 20;

    public static ScreenLine Build(Flow flow, int width, bool focused)
    {
        // On a narrow terminal the content type goes, so the status, size and duration stay whole
        // (a duration cut from "41ms" to "41m" reads as minutes).
        var showType = width - 12 - RightWidth >= MinUrlWidth;
        var rightWidth = showType ? RightWidth : RightWidth - TypeWidth;
        var request = flow.Request;
        var paused = flow.Intercepted;
        var line = new ScreenLine();
        line.Add(focused ? ">>" : "  ", Palette.Focus);
        line.Add(flow.Replay != ReplayKind.None ? "↻" : " ", Palette.Replay);
        line.Add(" ");
        line.Add(request.Method.PadRight(7), paused ? Palette.Intercepted : Palette.Method);
        line.Add(" ");
        var urlWidth = Math.Max(6, width - 12 - rightWidth);
        line.Add(Fit(UrlWithVersion(request), urlWidth), paused ? Palette.Intercepted : focused ? Palette.Focus : Palette.Url);
        line.Add(" ");
        AddOutcome(line, flow, paused, showType, rightWidth - 1);
        return line;
    }

    private static void AddOutcome(ScreenLine line, Flow flow, bool paused, bool showType, int width)
    {
        if (paused && flow.Response is null)
        {
            line.Add(Fit("⏸ request paused", width), Palette.Intercepted);
            return;
        }

        if (flow.Response is { } response)
        {
            var status = response.StatusCode.ToString(CultureInfo.InvariantCulture).PadLeft(3);
            line.Add(status, paused ? Palette.Intercepted : Palette.ForStatus(response.StatusCode));
            line.Add(" ");
            if (showType)
            {
                line.Add(Fit(ShortType(response.ContentType), TypeWidth - 1), paused ? Palette.Intercepted : Palette.Dim);
                line.Add(" ");
            }

            var size = response.BodyLength is { } length ? SizeParser.Format(length) : "stream";
            line.Add(size.PadLeft(7), paused ? Palette.Intercepted : Style.Plain);
            line.Add(" ");
            line.Add((paused ? "⏸ resp" : Output.FlowLine.Duration(flow) ?? "").PadLeft(8), paused ? Palette.Intercepted : Palette.Dim);
            return;
        }

        if (flow.Error is { } error)
        {
            line.Add(Fit(error.Message, width), Palette.Error);
            return;
        }

        line.Add("...", Palette.Dim);
    }

    /// <summary>The URL, followed by the HTTP version when it is not HTTP/1.x, as mitmproxy's flow list shows an HTTP/2 flow.</summary>
    private static string UrlWithVersion(Http.HttpRequest request) =>
        request.HttpVersion is "HTTP/1.1" or "HTTP/1.0" ? request.Url : request.Url + " " + request.HttpVersion;

    private static string ShortType(string? contentType) => ContentKind.MediaTypeOf(contentType);

    /// <summary>Cuts <paramref name="text"/> to <paramref name="width"/> characters with an ellipsis and pads it.</summary>
    public static string Fit(string text, int width)
    {
        if (width <= 0)
        {
            return "";
        }

        return text.Length <= width ? text.PadRight(width) : text[..(width - 1)] + "…";
    }
}
