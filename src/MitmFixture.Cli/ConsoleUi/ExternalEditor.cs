using System.Diagnostics;

namespace MitmFixture.Cli.ConsoleUi;

/// <summary>What an external edit gave: the saved content, or why there is none.</summary>
internal readonly record struct ExternalEdit(byte[]? Content, string? Failure)
{
    public static ExternalEdit Saved(byte[] content) => new(content, null);

    public static ExternalEdit Failed(string why) => new(null, why);
}

/// <summary>Opens content in the user's editor and returns what they saved, or why nothing was.</summary>
internal interface IExternalEditor
{
    /// <param name="content">The bytes to edit, written to the file as they are.</param>
    /// <param name="extension">A file extension (".json", ".txt") so the editor picks a mode.</param>
    ExternalEdit Edit(byte[] content, string extension);
}

/// <summary>
/// Runs <c>$VISUAL</c>, then <c>$EDITOR</c>, then <c>vi</c> on a temporary file, as mitmproxy's
/// <c>spawn_editor</c> does; the console hands the terminal over while it runs.
/// </summary>
internal sealed class ProcessEditor(string? command = null) : IExternalEditor
{
    /// <summary>The editor command; null reads <c>$VISUAL</c>, <c>$EDITOR</c>, then takes <c>vi</c>.</summary>
    public string Command => command
        ?? (Environment.GetEnvironmentVariable("VISUAL") is { Length: > 0 } visual ? visual
        : Environment.GetEnvironmentVariable("EDITOR") is { Length: > 0 } editor ? editor
        : "vi");

    public ExternalEdit Edit(byte[] content, string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mitmfixture-{Guid.NewGuid():N}{extension}");
        File.WriteAllBytes(path, content);
        try
        {
            // Through the shell so "code --wait" or "nano -w" in $EDITOR work as they do for git.
            var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Command + " \"$1\"");
            start.ArgumentList.Add("editor");
            start.ArgumentList.Add(path);
            using var process = Process.Start(start);
            if (process is null)
            {
                return ExternalEdit.Failed($"'{Command}' did not start");
            }

            process.WaitForExit();

            // A non-zero exit is how an editor says "discard" (vi's :cq, as git reads it), and how a
            // command that is not there ends (127 from the shell); either way the file is not taken.
            return process.ExitCode switch
            {
                0 => ExternalEdit.Saved(File.ReadAllBytes(path)),
                127 => ExternalEdit.Failed($"'{Command}' was not found (exit code 127)"),
                var code => ExternalEdit.Failed($"'{Command}' exited with code {code}"),
            };
        }
        finally
        {
            File.Delete(path);
        }
    }
}
