using MitmFixture.Cli.ConsoleUi;
using MitmFixture.Tests.Support;

namespace MitmFixture.Tests.Cli.ConsoleUi;

public class KeysTests
{
    [Fact]
    public void FromTerminal_AltWithACharacter_IsEscapeThenTheKey()
    {
        var altQ = new ConsoleKeyInfo('q', ConsoleKey.Q, shift: false, alt: true, control: false);
        var keys = Keys.FromTerminal(altQ).ToList();
        Assert.Equal([ConsoleKey.Escape, ConsoleKey.Q], keys.Select(k => k.Key));
        Assert.Equal('q', keys[1].KeyChar);
        Assert.Equal((ConsoleModifiers)0, keys[1].Modifiers);
    }

    [Fact]
    public void FromTerminal_AltShiftLetterOrEnter_KeepTheOtherModifiers()
    {
        var altShiftO = new ConsoleKeyInfo('O', ConsoleKey.O, shift: true, alt: true, control: false);
        Assert.Equal(ConsoleModifiers.Shift, Keys.FromTerminal(altShiftO).Last().Modifiers);
        var altEnter = new ConsoleKeyInfo('\r', ConsoleKey.Enter, shift: false, alt: true, control: false);
        Assert.Equal([ConsoleKey.Escape, ConsoleKey.Enter], Keys.FromTerminal(altEnter).Select(k => k.Key));
    }

    [Fact]
    public void FromTerminal_PlainKeysAndAltArrows_StayOneKey()
    {
        Assert.Equal([Keys.Char('q')], Keys.FromTerminal(Keys.Char('q')));
        Assert.Equal([Keys.Escape], Keys.FromTerminal(Keys.Escape));
        var altUp = new ConsoleKeyInfo('\0', ConsoleKey.UpArrow, shift: false, alt: true, control: false);
        Assert.Equal([altUp], Keys.FromTerminal(altUp));
    }

    [Fact]
    public async Task EscapeReadTogetherWithQ_LeavesTheGridThenTheFlowView()
    {
        await using var console = await ConsoleHarness.StartAsync(loaded: [TestFlows.Get("http://a.test/").Respond(200, "ok")]);
        console.Press(Keys.Enter).Keys("eh");
        Assert.IsType<GridEditorScreen>(console.App.Current);
        console.Press([.. Keys.FromTerminal(new ConsoleKeyInfo('q', ConsoleKey.Q, shift: false, alt: true, control: false))]);
        Assert.IsType<FlowListScreen>(console.App.Current);
    }
}
