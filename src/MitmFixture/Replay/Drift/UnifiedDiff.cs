using System.Text;

namespace MitmFixture.Replay.Drift;

/// <summary>A line-based unified diff (LCS), enough for reading a snapshot change in a test failure.</summary>
public static class UnifiedDiff
{
    private const int Context = 3;

    public static string Create(string expected, string actual, string expectedName, string actualName)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        if ((long)a.Length * b.Length > 4_000_000)
        {
            return $"(too large to diff: {a.Length} vs {b.Length} lines)";
        }

        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var lines = new List<(char Kind, string Text)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                lines.Add((' ', a[x++]));
                y++;
            }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y]))
            {
                lines.Add(('+', b[y++]));
            }
            else
            {
                lines.Add(('-', a[x++]));
            }
        }

        var output = new StringBuilder($"--- {expectedName}\n+++ {actualName}\n");
        var lastPrinted = -1;
        for (var k = 0; k < lines.Count; k++)
        {
            if (lines[k].Kind == ' ')
            {
                continue;
            }

            var from = Math.Max(lastPrinted + 1, k - Context);
            if (from > lastPrinted + 1)
            {
                output.Append("@@\n");
            }

            var to = Math.Min(lines.Count - 1, k + Context);
            for (var m = from; m <= to; m++)
            {
                output.Append(lines[m].Kind).Append(lines[m].Text).Append('\n');
            }

            lastPrinted = to;
            k = Math.Max(k, to - Context); // continue after the printed context, never before k
        }

        return output.ToString();
    }
}
