using System.Text.RegularExpressions;
using MitmFixture.Cassettes;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>
/// <c>mitmfixture console</c> as a user runs it: the real program in a real terminal (tmux), keys
/// sent with send-keys, the screen read with capture-pane, real curl through it to a real server.
/// </summary>
[Trait("Category", "Slow")] // each test runs the CLI in tmux
public sealed partial class ConsoleTerminalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-console-e2e-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Tmux StartConsole(string arguments = "", string environment = "") =>
        Tmux.Start($"cd '{_directory}' && {environment} dotnet '{CliProcess.Dll}' console --listen 127.0.0.1:0 --set confdir='{_directory}' {arguments}");

    private static async Task<int> ProxyPortAsync(Tmux tmux)
    {
        var screen = await tmux.WaitForAsync("listening 127.0.0.1:");
        return int.Parse(ListeningPort().Match(screen).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task SeedWalkthrough_InterceptCurl_ChangeMethodInTheEditor_Accept_ServerGetsOptions()
    {
        await using var upstream = await TestUpstream.StartAsync();
        using var tmux = StartConsole();
        var port = await ProxyPortAsync(tmux);

        // 1: set an interception pattern.
        tmux.SendKeys("i");
        await tmux.WaitForAsync("Intercept:");
        tmux.Type("~q");
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync("[i:~q]");

        // 2: the intercepted request shows, paused.
        var curl = Curl.RunAsync("-x", $"http://127.0.0.1:{port}", upstream.HttpUrl + "/echo/from-curl");
        await tmux.WaitForAsync("request paused");
        Assert.Equal(0, upstream.Requests);

        // 3: open it, e then m for the method, clear the prompt and type OPTIONS.
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync(" Request ");
        tmux.SendKeys("e");
        await tmux.WaitForAsync("Edit request:");
        tmux.SendKeys("m");
        await tmux.WaitForAsync("Method: GET");
        tmux.SendKeys("C-u");
        tmux.Type("OPTIONS");
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync("OPTIONS http://127.0.0.1:");

        // 4: accept; the server gets OPTIONS and curl its answer.
        tmux.SendKeys("a");
        var result = await curl;
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("OPTIONS /echo/from-curl", result.Stdout);
        Assert.Equal(1, upstream.Requests);

        tmux.SendKeys("q");
        await tmux.WaitForAsync("?:help");
        tmux.SendKeys("q");
        await tmux.WaitForAsync("Quit mitmfixture? (y/n)");
        tmux.SendKeys("y");
        await tmux.WaitForExitAsync();
    }

    [Fact]
    public async Task OpenCassette_FilterHelpAndSave_WritesTheListedFlows()
    {
        var sample = Path.Combine(CliProcess.Dll.Split("/src/")[0], "recordings", "sample.json");
        using var tmux = StartConsole($"-r '{sample}'");
        await tmux.WaitForAsync("https://api.example.com/users/1");

        tmux.SendKeys("?");
        await tmux.WaitForAsync("Filter expressions");
        tmux.SendKeys("q", "f");
        await tmux.WaitForAsync("Filter:");
        tmux.Type("~u health");
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync("[f:~u health]");
        Assert.DoesNotContain("users/1", tmux.Capture());

        tmux.SendKeys("w");
        await tmux.WaitForAsync("Save listed flows to: flows.json");
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync("Saved 1 flows");
        var saved = Cassette.Load(Path.Combine(_directory, "flows.json"));
        Assert.Equal("http://api.example.com/health", Assert.Single(saved.Flows).Request.Url);

        tmux.SendKeys("Q");
        await tmux.WaitForExitAsync();
    }

    [Fact]
    public async Task EditBody_HandsTheTerminalToEditor_ThenComesBack()
    {
        var sample = Path.Combine(CliProcess.Dll.Split("/src/")[0], "recordings", "sample.json");
        using var tmux = StartConsole($"-r '{sample}'", environment: "EDITOR='sed -i s/Ada/Grace/'");
        await tmux.WaitForAsync("https://api.example.com/users/1");
        tmux.SendKeys("Enter");
        await tmux.WaitForAsync("Response");
        tmux.SendKeys("e");
        await tmux.WaitForAsync("Edit response:");
        tmux.SendKeys("b");
        var screen = await tmux.WaitForAsync("Body set");
        Assert.Contains("Grace", screen);
        tmux.SendKeys("Q");
        await tmux.WaitForExitAsync();
    }

    [Fact]
    public async Task ServerReplay_AnswersFromTheCassette_MarksTheFlow_StatusBarCountsDown()
    {
        var sample = Path.Combine(CliProcess.Dll.Split("/src/")[0], "recordings", "sample.json");
        using var tmux = StartConsole($"-S '{sample}'");
        var port = await ProxyPortAsync(tmux);
        await tmux.WaitForAsync("[server replay:2 left]");

        var curl = await Curl.RunAsync("-x", $"http://127.0.0.1:{port}", "http://api.example.com/health");
        Assert.Equal("ok", curl.Stdout.Trim());
        await tmux.WaitForAsync("[server replay:1 left]");
        var screen = await tmux.WaitForAsync("↻"); // the count can be drawn a frame before the row's mark
        Assert.Contains(screen.Split('\n'), line => line.Contains('↻', StringComparison.Ordinal) && line.Contains("http://api.example.com/health", StringComparison.Ordinal));

        tmux.SendKeys("Q");
        await tmux.WaitForExitAsync();
    }

    [Fact]
    public async Task EscapeThenAKeyArrivingTogether_AreBothHandled()
    {
        using var tmux = StartConsole();
        await tmux.WaitForAsync("listening 127.0.0.1:");
        tmux.SendKeys("o");
        await tmux.WaitForAsync("modify_body");

        // .NET reads these two bytes as Alt+q; Esc leaves the options, q then asks to quit.
        tmux.SendKeysTogether("Escape", "q");
        await tmux.WaitForAsync("Quit mitmfixture? (y/n)");
        tmux.SendKeys("y");
        await tmux.WaitForExitAsync();
    }

    [GeneratedRegex(@"listening 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();
}
