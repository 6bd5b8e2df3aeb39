using System.Text;

namespace MitmFixture.Replay.Drift;

/// <summary>
/// A unified diff as GNU diff -u writes it (POSIX diff, "Unified format"): <c>---</c>/<c>+++</c>
/// headers, hunks headed <c>@@ -start,count +start,count @@</c> with three lines of context, removed
/// lines before added ones, and <c>\ No newline at end of file</c> where a side lacks its last newline,
/// so it pastes into any diff viewer or <c>patch</c>. Lines are matched by longest common subsequence.
/// </summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    /// <summary>A unified diff (three lines of context) of <paramref name="actual"/> against <paramref name="expected"/>, headed by the two names; a one-line note instead when both are too large to diff.</summary>
    public static string Create(string expected, string actual, string expectedName, string actualName)
    {
        var a = Lines(expected);
        var b = Lines(actual);
        if ((long)a.Length * b.Length > 4_000_000)
        {
            return $"(too large to diff: {a.Length} vs {b.Length} lines)";
        }

        var edits = Edits(a, b);
        var output = new StringBuilder($"--- {expectedName}\n+++ {actualName}\n");
        var k = 0;
        while (k < edits.Count)
        {
            var firstChange = edits.FindIndex(k, e => e.Kind != ' ');
            if (firstChange < 0)
            {
                break;
            }

            // A hunk runs from 3 lines before a change to 3 after the last change that is at most 6 lines further on.
            var start = Math.Max(k, firstChange - Context);
            var end = firstChange;
            for (var m = firstChange; m < edits.Count; m++)
            {
                if (edits[m].Kind != ' ')
                {
                    end = m;
                }
                else if (m - end > 2 * Context)
                {
                    break;
                }
            }

            end = Math.Min(edits.Count - 1, end + Context);
            var hunk = edits.GetRange(start, end - start + 1);
            var oldCount = hunk.Count(e => e.Kind != '+');
            var newCount = hunk.Count(e => e.Kind != '-');
            var oldStart = edits[start].OldIndex + (oldCount == 0 ? 0 : 1); // an empty range names the line before it
            var newStart = edits[start].NewIndex + (newCount == 0 ? 0 : 1);
            output.Append($"@@ -{oldStart},{oldCount} +{newStart},{newCount} @@\n");
            foreach (var edit in hunk)
            {
                output.Append(edit.Kind).Append(edit.Text.TrimEnd('\n')).Append('\n');
                if (edit.Text.EndsWith('\n'))
                {
                    output.Append("\\ No newline at end of file\n");
                }
            }

            k = end + 1;
        }

        return output.ToString();
    }

    /// <summary>
    /// The lines of a text. A last line without its newline keeps a '\n' (which no line holds
    /// otherwise), so it differs from the same line with one, as in diff.
    /// </summary>
    private static string[] Lines(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        if (text.EndsWith('\n'))
        {
            return text[..^1].Split('\n');
        }

        var lines = text.Split('\n');
        lines[^1] += "\n";
        return lines;
    }

    /// <summary>The edit script: each line of both texts once, in order, removals before additions within a change.</summary>
    private static List<Edit> Edits(string[] a, string[] b)
    {
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var edits = new List<Edit>(a.Length + b.Length);
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                edits.Add(new Edit(' ', a[x], x++, y++));
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                edits.Add(new Edit('-', a[x], x++, y));
            }
            else
            {
                edits.Add(new Edit('+', b[y], x, y++));
            }
        }

        return edits;
    }

    /// <summary>One line of the script, with the 0-based positions in both texts where it stands.</summary>
    private readonly record struct Edit(char Kind, string Text, int OldIndex, int NewIndex);
}
