using Spectre.Console;

namespace MitmFixture.Cli.ConsoleUi.Rendering;

/// <summary>The console's colours, in one place (mitmproxy's palette, roughly).</summary>
internal static class Palette
{
    public static readonly Style Intercepted = new(Color.Orange1);
    public static readonly Style Focus = new(Color.Yellow, decoration: Decoration.Bold);
    public static readonly Style Method = new(Color.Silver, decoration: Decoration.Bold);
    public static readonly Style Url = Style.Plain;
    public static readonly Style Success = new(Color.Green);
    public static readonly Style Redirect = new(Color.Aqua);
    public static readonly Style ClientError = new(Color.Yellow);
    public static readonly Style ServerError = new(Color.Red);
    public static readonly Style Error = new(Color.Red);
    public static readonly Style Dim = new(Color.Grey);
    public static readonly Style Replay = new(Color.Aqua, decoration: Decoration.Bold);
    public static readonly Style HeaderName = new(Color.Blue, decoration: Decoration.Bold);
    public static readonly Style Title = new(Color.White, decoration: Decoration.Bold);
    public static readonly Style StatusBar = new(Color.White, Color.NavyBlue);
    public static readonly Style StatusBarStrong = new(Color.Yellow, Color.NavyBlue, Decoration.Bold);
    public static readonly Style Selected = new(Color.Black, Color.Silver);
    public static readonly Style EditingCell = new(Color.Black, Color.Yellow);
    public static readonly Style Cursor = new(Color.Black, Color.White);
    public static readonly Style TabActive = new(Color.Black, Color.Aqua, Decoration.Bold);

    public static Style ForStatus(int code) => code switch
    {
        < 300 => Success,
        < 400 => Redirect,
        < 500 => ClientError,
        _ => ServerError,
    };
}
