using MitmFixture.Cassettes;
using MitmFixture.Flows;
using MitmFixture.Report;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Report;

/// <summary>
/// The traffic report, written by the real command and loaded in headless Chromium: the DOM after
/// the page's script ran, its console, and a screenshot kept beside the test output.
/// </summary>
public sealed class TrafficReportTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("mitmfixture-report-").FullName;

    [Fact]
    public async Task Report_InChromium_ListsFlowsFilterNarrowsAFlowOpensWithoutConsoleErrors()
    {
        var page = await WriteReportAsync(Sample());

        var all = await HeadlessChromium.LoadAsync(page);
        Assert.Empty(all.Console);
        Assert.Contains("data-ready=\"1\"", all.Dom, StringComparison.Ordinal);
        Assert.Contains("data-shown=\"6\"", all.Dom, StringComparison.Ordinal);
        Assert.Contains(">6 flows<", all.Dom, StringComparison.Ordinal);
        Assert.Contains(">https://api.example.com/users/1?fields=all<", all.Dom, StringComparison.Ordinal);

        var posts = await HeadlessChromium.LoadAsync(page, "#filter=" + Uri.EscapeDataString("~m POST & ~c 500"));
        Assert.Empty(posts.Console);
        Assert.Contains("data-shown=\"1\"", posts.Dom, StringComparison.Ordinal);
        Assert.Contains(">1 of 6 flows<", posts.Dom, StringComparison.Ordinal);
        Assert.DoesNotContain(">https://api.example.com/users/1?fields=all<", posts.Dom, StringComparison.Ordinal);

        var unanswered = await HeadlessChromium.LoadAsync(page, "#filter=" + Uri.EscapeDataString("!~s | ~d static & ~t image"));
        Assert.Contains("data-shown=\"2\"", unanswered.Dom, StringComparison.Ordinal);

        var opened = await HeadlessChromium.LoadAsync(page, "#flow=1");
        Assert.Empty(opened.Console);
        Assert.Contains("<h2>GET https://api.example.com/users/1?fields=all</h2>", opened.Dom, StringComparison.Ordinal);
        Assert.Contains("<mark class=\"ph\"", opened.Dom, StringComparison.Ordinal);
        Assert.Contains("&lt;AUTHORIZATION&gt;</mark>", opened.Dom, StringComparison.Ordinal);
        Assert.Contains("<details open=\"\"><summary>{<small> 3 keys</small></summary>", opened.Dom, StringComparison.Ordinal);
        Assert.Contains("<span class=\"k\">\"name\"</span>", opened.Dom, StringComparison.Ordinal);
    }

    /// <summary>The search box as a user uses it: typed into (real input events), it narrows the list; emptied, it shows all again.</summary>
    [Fact]
    public async Task Report_InChromium_TypingIntoTheSearchBoxNarrowsTheList()
    {
        var cancel = TestContext.Current.CancellationToken;
        var file = await WriteReportAsync(Sample());
        await using var page = await ChromiumPage.OpenAsync(file, cancel);
        Assert.Equal(6, await RowsAsync(page));

        await page.TypeAsync("search", "~m POST", cancel);
        await page.WaitForAsync("document.body.dataset.shown === '1'", Timeout, cancel);
        Assert.Equal(1, await RowsAsync(page));
        Assert.Equal("1 of 6 flows", (string?)await page.EvaluateAsync("document.getElementById('count').textContent", cancel));
        Assert.Equal("https://api.example.com/orders", (string?)await page.EvaluateAsync("document.querySelector('#rows .row').children[2].textContent", cancel));
        Assert.Equal("#filter=%7Em+POST", (string?)await page.EvaluateAsync("location.hash", cancel)); // the view is in the address, to share

        await page.EvaluateAsync("document.getElementById('search').select()", cancel);
        await page.PressAsync("Backspace", 8, cancel);
        await page.WaitForAsync("document.body.dataset.shown === '6'", Timeout, cancel);
        Assert.Equal(6, await RowsAsync(page));

        await page.TypeAsync("search", "static.example", cancel); // plain text searches the URLs
        await page.WaitForAsync("document.body.dataset.shown === '2'", Timeout, cancel);
        Assert.Equal(2, await RowsAsync(page));
        Assert.Empty(page.Errors);
    }

    /// <summary>The rows the list shows (rendered lazily: all of them, for a list this short).</summary>
    private static async Task<int> RowsAsync(ChromiumPage page) =>
        (await page.EvaluateAsync("document.querySelectorAll('#rows .row').length", TestContext.Current.CancellationToken))!.GetValue<int>(); // a number

    [Fact]
    public async Task Report_InChromium_ImagesBinaryWebSocketAndHostileBodiesRender()
    {
        var page = await WriteReportAsync(Sample());

        var image = await HeadlessChromium.LoadAsync(page, "#flow=3");
        Assert.Contains("<img class=\"body\" src=\"data:image/png;base64,", image.Dom, StringComparison.Ordinal);
        var binary = await HeadlessChromium.LoadAsync(page, "#flow=4");
        Assert.Contains("00000000  00 01 02 ff fe", binary.Dom, StringComparison.OrdinalIgnoreCase);
        var ws = await HeadlessChromium.LoadAsync(page, "#flow=5");
        Assert.Contains("WebSocket messages (3)", ws.Dom, StringComparison.Ordinal);
        Assert.Contains("class=\"msg server\"", ws.Dom, StringComparison.Ordinal);
        Assert.Contains("it's me", ws.Dom, StringComparison.Ordinal);
        var hostile = await HeadlessChromium.LoadAsync(page, "#flow=2");
        Assert.Empty(hostile.Console); // the body's </script><script> stayed data
        Assert.Contains("&lt;/script&gt;&lt;script&gt;document.title='owned'", hostile.Dom, StringComparison.Ordinal);
        Assert.DoesNotContain("<title>owned", hostile.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_InChromium_BadFilterSaysWhyAndKeepsTheList()
    {
        var page = await WriteReportAsync(Sample());

        var load = await HeadlessChromium.LoadAsync(page, "#filter=" + Uri.EscapeDataString("~zz x"));

        Assert.Empty(load.Console);
        Assert.Contains("unknown operator ~zz", load.Dom, StringComparison.Ordinal);
        Assert.Contains("data-shown=\"6\"", load.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_Screenshot_IsKeptBesideTheTestOutput()
    {
        var page = await WriteReportAsync(Sample());
        var folder = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "report-screenshots")).FullName;
        var screenshot = Path.Combine(folder, "report.png");
        File.Delete(screenshot);

        var load = await HeadlessChromium.LoadAsync(page, "#flow=1", screenshot);

        Assert.Empty(load.Console);
        var bytes = await File.ReadAllBytesAsync(screenshot, TestContext.Current.CancellationToken);
        Assert.True(bytes.Length > 10_000, $"screenshot of {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
    }

    [Fact]
    public async Task Report_EmptyCassette_PageSaysSoInsteadOfBlank()
    {
        var page = await WriteReportAsync([]);

        var load = await HeadlessChromium.LoadAsync(page);

        Assert.Empty(load.Console);
        Assert.Contains("This report holds no flows: the cassette is empty.", load.Dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_BrokenCassette_ExitsTwoNamingTheFile()
    {
        var broken = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(broken, "{\"version\": 1, \"flows\": [", TestContext.Current.CancellationToken);

        await using var cli = CliProcess.Start("report", broken, "-o", Path.Combine(_directory, "r.html"));

        Assert.Equal(2, await cli.WaitForExitAsync(Timeout));
        Assert.Contains("broken.json", cli.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", cli.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "r.html")));
    }

    [Fact]
    public void Render_FiftyMegabyteBody_PageStaysSmallAndSaysTheBodyIsCut()
    {
        var big = TestFlows.Get("https://files.example.com/dump.txt").Respond(200, new string('x', 50 * 1024 * 1024));

        var html = TrafficReport.Render([big], "big");

        Assert.True(html.Length < 1024 * 1024, $"page of {html.Length} chars");
        Assert.Contains("\"size\":52428800", html, StringComparison.Ordinal);
        Assert.Contains("\"cut\":true", html, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> WriteReportAsync(List<Flow> flows)
    {
        var cassette = Path.Combine(_directory, "flows.json");
        var page = Path.Combine(_directory, "report.html");
        Cassette.Save(cassette, flows);
        await using var cli = CliProcess.Start("report", cassette, "-o", page);
        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
        Assert.Contains(cli.Lines, l => l.StartsWith(page + $": {flows.Count} flows", StringComparison.Ordinal));
        return page;
    }

    /// <summary>JSON with a redacted token, a hostile 500, an image, binary, a WebSocket, and a request without answer.</summary>
    private static List<Flow> Sample()
    {
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        return
        [
            TestFlows.Get("https://api.example.com/users/1?fields=all", ("Authorization", "Bearer real-token-123"))
                .Respond(200, """{"id":1,"name":"Ada","roles":["admin","dev"]}""", "application/json"),
            TestFlows.PostJson("https://api.example.com/orders", """{"item":"book"}""")
                .Respond(500, "</script><script>document.title='owned'</script>", "text/html"),
            TestFlows.Get("https://static.example.com/logo.png").Respond(200, png, ("Content-Type", "image/png")),
            TestFlows.Get("https://static.example.com/blob.bin").Respond(200, [0x00, 0x01, 0x02, 0xFF, 0xFE], ("Content-Type", "application/octet-stream")),
            TestFlows.TWebSocketFlow(),
            TestFlows.Get("https://down.example.com/health").Fail("connection refused"),
        ];
    }
}
