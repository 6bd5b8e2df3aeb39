namespace MitmFixture.Cli.ConsoleUi;

/// <summary>
/// The one-line prompt at the bottom of the screen (filter, interception pattern, method, URL,
/// status code, file name), pre-filled with the current value. <see cref="Accept"/> returns an
/// error to show and keeps the prompt open, or null when the value was taken.
/// </summary>
internal sealed class Prompt(string label, string initial, Func<string, string?> accept)
{
    public string Label { get; } = label;

    public LineEditor Editor { get; } = new(initial);

    public Func<string, string?> Accept { get; } = accept;

    /// <summary>The last error <see cref="Accept"/> gave, shown after the text.</summary>
    public string? Error { get; set; }
}

/// <summary>A yes/no question answered with one key (quit, clear all).</summary>
internal sealed class Confirmation(string question, Action yes)
{
    public string Question { get; } = question;

    public Action Yes { get; } = yes;
}
