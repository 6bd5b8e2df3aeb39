using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Proxy;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

/// <summary>The options screen (<c>o</c>): every registry option, edited and validated, applied live or marked for a restart.</summary>
public sealed class OptionsScreenTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConsoleHarness Focus(ConsoleHarness console, string name)
    {
        var index = OptionsScreen.Offered.ToList().FindIndex(o => o.Name == name);
        Assert.True(index >= 0);
        return console.Keys("o" + new string('j', index));
    }

    // The console replays no clients: client-replay's options are not offered, as its command line has no flag for them.
    [Fact]
    public async Task Rows_ListEveryOptionOfTheRegistryTheConsoleUses()
    {
        await using var console = await ConsoleHarness.StartAsync();
        console.Keys("o");

        var screen = Assert.IsType<OptionsScreen>(console.App.Current);

        Assert.Equal(OptionRegistry.All.Where(o => o.Group != OptionGroup.ClientReplay).Select(o => o.Name), screen.Rows.Select(r => r.Name));
        Assert.DoesNotContain(screen.Rows, r => r.Name == "client_replay_stop_on_error");
        Assert.DoesNotContain(screen.Rows, r => r.NeedsRestart);
    }

    [Fact]
    public async Task Enter_OnABoolean_TogglesItAndMarksItRestartNeeded()
    {
        await using var console = await ConsoleHarness.StartAsync();
        Focus(console, "anticache").Press(Keys.Enter);

        var screen = Assert.IsType<OptionsScreen>(console.App.Current);
        Assert.True(console.App.Backend.Edited.Features.Anticache);
        Assert.False(console.App.Backend.Running.Features.Anticache);
        Assert.Contains(screen.Rows, r => r.Name == "anticache" && r.Value == "true" && r.NeedsRestart);
        Assert.Contains(console.Screen(), line => line.Contains("anticache", StringComparison.Ordinal) && line.Contains(OptionsScreen.RestartNeeded, StringComparison.Ordinal));

        console.Press(Keys.Enter); // back to the running value: nothing to restart for
        Assert.DoesNotContain(screen.Rows, r => r.NeedsRestart);
    }

    [Fact]
    public async Task Enter_OnATextOption_ABadValueKeepsThePromptWithTheReason()
    {
        await using var console = await ConsoleHarness.StartAsync();
        Focus(console, "stream_large_bodies").Press(Keys.Enter).Keys("lots").Press(Keys.Enter);

        Assert.Contains("expected a size", console.App.Prompt?.Error, StringComparison.Ordinal);
        Assert.Null(console.App.Backend.Edited.Proxy.StreamLargeBodies);

        console.Press(Keys.Control('u')).Keys("1m").Press(Keys.Enter);
        Assert.Null(console.App.Prompt);
        Assert.Equal(1024 * 1024, console.App.Backend.Edited.Proxy.StreamLargeBodies);
    }

    [Fact]
    public async Task Enter_OnAListOption_EditsItsValuesInAGrid()
    {
        await using var console = await ConsoleHarness.StartAsync();
        Focus(console, "ignore_hosts").Press(Keys.Enter);
        Assert.IsType<GridEditorScreen>(console.App.Current);

        console.Keys("a").Press(Keys.Enter).Keys("example\\.com:443").Press(Keys.Enter, Keys.Escape);

        Assert.IsType<OptionsScreen>(console.App.Current);
        Assert.Equal(["example\\.com:443"], console.App.Backend.Edited.Proxy.IgnoreHosts);
        Assert.Contains(((OptionsScreen)console.App.Current).Rows, r => r.Name == "ignore_hosts" && r.NeedsRestart);
    }

    [Fact]
    public async Task ModifyBody_EditedOnTheOptionsScreen_AppliesToTheNextResponseWithoutRestart()
    {
        await using var upstream = await TestUpstream.StartAsync();
        await using var console = await ConsoleHarness.StartAsync(upstream);
        Focus(console, "modify_body").Press(Keys.Enter);
        console.Keys("a").Press(Keys.Enter).Keys("~s").Press(Keys.Tab, Keys.Enter).Keys("status").Press(Keys.Tab, Keys.Enter).Keys("LIVE").Press(Keys.Enter, Keys.Escape);

        var body = await console.Proxy.CreateClient().GetStringAsync(upstream.HttpUrl + "/status/200", Ct);

        Assert.Equal("LIVE 200", body);
        Assert.Contains(((OptionsScreen)console.App.Current).Rows, r => r.Name == "modify_body" && !r.NeedsRestart && r.Value.Contains("LIVE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerReplayMatching_ChangedOnTheOptionsScreen_AppliesToTheNextRequestWithoutRestart()
    {
        var sample = MitmFixture.Cassettes.Cassette.Load(Path.Combine(CliProcess.Dll.Split("/src/")[0], "recordings", "sample.json"));
        await using var console = await ConsoleHarness.StartAsync(serverReplay: sample.Flows);
        using var client = console.Proxy.CreateClient();
        using (var before = await client.GetAsync("http://elsewhere.invalid/health", Ct))
        {
            Assert.NotEqual(System.Net.HttpStatusCode.OK, before.StatusCode); // another host: forwarded, and it does not exist
        }

        Focus(console, "server_replay_ignore_host").Press(Keys.Enter);

        Assert.Equal("ok", (await client.GetStringAsync("http://elsewhere.invalid/health", Ct)).Trim());
        Assert.Contains(((OptionsScreen)console.App.Current).Rows, r => r.Name == "server_replay_ignore_host" && r.Value == "true" && !r.NeedsRestart);
    }
}
