using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Cli.ConsoleUi.Rendering;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class FrameRenderingTests
{
    [Theory]
    [InlineData(20, 1)]
    [InlineData(30, 2)]
    [InlineData(39, 4)]
    [InlineData(40, 6)]
    [InlineData(80, 24)]
    [InlineData(200, 60)]
    public async Task Frame_FillsTheTerminalExactly_NoLineWider(int width, int height)
    {
        var flows = Enumerable.Range(0, 100).Select(i => TestFlows.Get($"http://host{i}.test/{new string('p', i * 3)}").Respond(200, "ok")).ToArray();
        await using var console = await ConsoleHarness.StartAsync(loaded: flows);
        foreach (var keys in new[] { "", "G", "?", "q\r", "\r\t", "m" })
        {
            console.Keys(keys);
            var screen = console.Screen(width, height);
            Assert.Equal(height, screen.Count);
            Assert.All(screen, line => Assert.Equal(width, line.Length));
        }
    }

    [Fact]
    public async Task LongUrl_IsCutWithAnEllipsis_TheStatusStaysVisible()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://long.test/" + new string('x', 300)).Respond(503, "down")]);
        var row = console.Screen(100, 10)[0];
        Assert.Contains("…", row);
        Assert.Contains("503", row);
    }

    [Fact]
    public async Task NarrowTerminal_RowKeepsStatusSizeAndWholeDuration_TypeGoesFirst()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://narrow.test/" + new string('x', 100)).Respond(200, "{}", "application/json")]);
        var row = console.Screen(60, 10)[0];
        Assert.Contains("200", row);
        Assert.Contains("2b", row);
        Assert.EndsWith("30ms", row.TrimEnd());
        Assert.DoesNotContain("application/json", row);
        Assert.Contains("application/json", console.Screen(120, 10)[0]);
    }

    [Fact]
    public async Task NarrowTerminal_HelpWrapsDescriptions_NothingIsCut()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://narrow.test/").Respond(200, "ok")]);
        console.Press(Keys.Enter).Keys("?");
        var help = string.Join(" ", console.Screen(60, 40).Select(l => l.Trim()));
        Assert.Contains("c status code, b body ($EDITOR)", help);
    }

    [Fact]
    public async Task ControlCharactersAndWideText_DoNotBreakTheLayout()
    {
        var flow = TestFlows.Get("http://wide.test/").Respond(200, "a\tb\u0007c\r\n日本語のテキスト" + new string('字', 100));
        await using var console = await ConsoleHarness.StartAsync(loaded: [flow]);
        console.Press(Keys.Enter).Keys("m"); // raw view
        var frame = new SpectreFrame(Spectre.Console.ColorSystemSupport.NoColors).Render(console.Lines(60, 12), 60);
        Assert.All(frame, line => Assert.DoesNotContain('\u0007', line));
        Assert.All(frame, line => Assert.True(new Spectre.Console.Rendering.Segment(line).CellCount() <= 60, line));
    }

    [Fact]
    public async Task ScreenThatThrowsWhileDrawn_ShowsTheError_LogsItOnce_StatusBarStays()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.App.Push(new GridEditorScreen(console.App, "Broken", new ColumnsThatThrow(), [], _ => null));
        var screen = console.Screen(80, 10);
        Assert.Contains("could not be drawn: Collection was modified", screen[0]);
        Assert.Contains("Broken", screen[^2]);
        console.Screen(80, 10);
        Assert.Single(console.App.Events.Snapshot(), e => e.Text.Contains("Collection was modified", StringComparison.Ordinal));
        console.Keys("q");
        Assert.IsType<FlowListScreen>(console.App.Current);
    }

    [Fact]
    public async Task Colours_AreAnsiWhenAsked()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://c.test/").Respond(404, "no")]);
        var coloured = new SpectreFrame(Spectre.Console.ColorSystemSupport.TrueColor).Render(console.Lines(80, 8), 80);
        Assert.Contains("\u001b[", coloured[0]);
        Assert.DoesNotContain("\u001b[", console.Screen(80, 8)[0]);
    }

    /// <summary>Columns whose names fail when read, as a list a proxy thread changes while it is drawn does.</summary>
    private sealed class ColumnsThatThrow : IReadOnlyList<string>
    {
        public int Count => 2;

        public string this[int index] => throw new InvalidOperationException("Collection was modified");

        public IEnumerator<string> GetEnumerator() => throw new InvalidOperationException("Collection was modified");

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
