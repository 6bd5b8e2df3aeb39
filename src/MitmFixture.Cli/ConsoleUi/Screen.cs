namespace MitmFixture.Cli.ConsoleUi;

/// <summary>One key of a screen's help, as <c>?</c> lists it.</summary>
internal sealed record KeyHelp(string Keys, string Description);

/// <summary>
/// One screen of the console (flow list, flow view, grid editor, help, options): its state and its
/// key handling. Drawing lives in <see cref="Rendering.FrameBuilder"/>, so a screen is tested without a terminal.
/// </summary>
internal abstract class Screen(ConsoleApp app)
{
    protected ConsoleApp App { get; } = app;

    /// <summary>The title the help screen and the status bar show.</summary>
    public abstract string Title { get; }

    public abstract IReadOnlyList<KeyHelp> Help { get; }

    /// <summary>Extra help sections (the filter syntax on screens that take filters).</summary>
    public virtual IReadOnlyList<KeyHelp> ExtraHelp => [];

    /// <summary>True while the screen takes every key itself (a grid cell being edited), so <c>?</c> is typed, not help.</summary>
    public virtual bool CapturesKeys => false;

    public abstract void HandleKey(ConsoleKeyInfo key);
}
